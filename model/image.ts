/** A container image reference split into the parts the platform reasons about. */
export interface ImageRef {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

export function parseImage(image: string): ImageRef {
  const at = image.indexOf('@');
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  // A colon after the last slash is a tag; one before it belongs to a registry host:port.
  const colon = rest.lastIndexOf(':');
  const hasTag = colon > rest.lastIndexOf('/');
  return {
    repository: hasTag ? rest.slice(0, colon) : rest,
    tag: hasTag ? rest.slice(colon + 1) : undefined,
    digest,
  };
}

/** Why an image reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  const ref = parseImage(image);
  if (ref.digest !== undefined) {
    return /^sha256:[a-f0-9]{64}$/.test(ref.digest) ? undefined : `digest must be sha256:<64 hex>`;
  }
  if (ref.tag === undefined || ref.tag === '') return 'image must be pinned to a tag or digest';
  // Floating tags (latest, alpine, stable, main, edge, ...) name whatever was pushed last; a
  // version has a digit in it (7.2.4, 7.2-alpine).
  if (!/[0-9]/.test(ref.tag))
    return `the tag "${ref.tag}" floats; pin a version tag (one with a digit, like 7.2.4) or a digest`;
  return undefined;
}

/** The version label for an image: its tag, or the first 12 hex digits of its digest. */
export function imageVersion(image: string): string {
  const ref = parseImage(image);
  if (ref.tag) return ref.tag.slice(0, 63);
  if (ref.digest) return ref.digest.replace(/^sha256:/, '').slice(0, 12);
  return 'unknown';
}

/** Why an image would be refused where digests are required, or undefined when it has one. */
export function missingDigestReason(image: string): string | undefined {
  return parseImage(image).digest === undefined
    ? `a tag alone is not a pin here; add the digest, like "${image}@sha256:<64 hex>"`
    : undefined;
}

/** A registry prefix: host and path, ending in "/" so it cannot match a lookalike. */
export const REGISTRY_PREFIX = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9._-]+)*\/$/;
