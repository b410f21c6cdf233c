/** A reference to a service or topic, written `name` (same system) or `system/name`. */
export interface Reference {
  readonly system: string;
  readonly name: string;
}

export function parseReference(ref: string, currentSystem: string): Reference {
  const slash = ref.indexOf('/');
  return slash < 0
    ? { system: currentSystem, name: ref }
    : { system: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

export function referenceKey(ref: Reference): string {
  return `${ref.system}/${ref.name}`;
}
