import type { Fact } from './change';
import type { ObjectCounts } from './objects';

/** A fact as a reviewer reads it: `none` for absent, lists joined, objects as `key=value`. */
export function showFact(fact: Fact | null): string {
  if (fact === null) return '(absent)';
  if (Array.isArray(fact)) return fact.length === 0 ? '(none)' : fact.join(', ');
  if (typeof fact === 'object') {
    return Object.entries(fact)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${typeof v === 'object' ? `{${showFact(v as Fact)}}` : showFact(v as Fact)}`)
      .join(' ');
  }
  return String(fact);
}

/** `+1 Deployment, ~2 NetworkPolicy`: what happened to the rendered objects. */
export function showObjects(objects: ObjectCounts): string {
  const part = (sign: string, counts: Readonly<Record<string, number>>) =>
    Object.entries(counts).map(([kind, n]) => `${sign}${n} ${kind}`);
  const parts = [...part('+', objects.added), ...part('-', objects.removed), ...part('~', objects.changed)];
  return parts.length === 0 ? 'no object changes' : parts.join(', ');
}
