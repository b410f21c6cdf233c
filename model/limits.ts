import type { Issue } from './issues';

/**
 * Sizes past which input is refused before anything expensive happens. A declaration file is
 * checked before it is read, so a multi-megabyte YAML map is reported at once instead of
 * keeping the parser busy for minutes; text that ends up in an annotation is checked against
 * what the API server accepts.
 */

/**
 * Largest declaration file (system or environment, any format): a system of a few hundred
 * services fits in a tenth of it, and YAML this size still parses in about a second.
 */
export const MAX_DECLARATION_FILE_BYTES = 512 * 1024;

/** The API server refuses an object whose annotations together exceed 256 KiB. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;

/**
 * Longest system description. It is written to the namespace's `syskit.io/description`
 * annotation and to the database cluster; a summary, not a document.
 */
export const MAX_DESCRIPTION_BYTES = 4 * 1024;

/** `4 KiB`, `600.1 KiB`, `4098 bytes`: exact where a rounded figure would hide the difference. */
export function formatBytes(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes % MiB === 0 && bytes > 0) return `${bytes / MiB} MiB`;
  if (bytes % 1024 === 0 && bytes > 0) return `${bytes / 1024} KiB`;
  if (bytes < 10 * 1024) return `${bytes} bytes`;
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

interface SystemLike {
  readonly name: string;
  readonly description?: unknown;
}
interface EnvironmentLike {
  readonly name: string;
  readonly cluster?: { readonly loadBalancerAnnotations?: Readonly<Record<string, unknown>> };
}

/** Text over the limits above, at its declaration's path. */
export function limitIssues(
  systems: readonly SystemLike[],
  environments: readonly EnvironmentLike[],
): Issue[] {
  const issues: Issue[] = [];
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  for (const system of systems) {
    if (typeof system.description === 'string' && bytes(system.description) > MAX_DESCRIPTION_BYTES) {
      issues.push({
        path: `${system.name}.description`,
        message: `${formatBytes(bytes(system.description))} is over the ${formatBytes(MAX_DESCRIPTION_BYTES)} a description may have (it becomes an annotation); keep it to a summary and link to the rest`,
      });
    }
  }
  for (const env of environments) {
    const annotations = env.cluster?.loadBalancerAnnotations ?? {};
    const total = Object.entries(annotations).reduce(
      (n, [k, v]) => n + bytes(k) + (typeof v === 'string' ? bytes(v) : 0),
      0,
    );
    if (total > MAX_ANNOTATIONS_BYTES) {
      issues.push({
        path: `environments.${env.name}.cluster.loadBalancerAnnotations`,
        message: `${formatBytes(total)} of annotations is over the ${formatBytes(MAX_ANNOTATIONS_BYTES)} the API server accepts on one object`,
      });
    }
  }
  return issues;
}
