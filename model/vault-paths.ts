import type { Environment } from './environment';
import type { Issue } from './issues';

/**
 * A workload's Vault policy grants `read` on exactly the paths it declares, so a path is the
 * boundary between systems: it must be in canonical form (Vault does not resolve `.` or `..`,
 * but a reader of the policy would), under a KV mount of the environment (not `sys/`, `auth/`,
 * the database engine, ...), and under the system's own name right after the mount.
 */

/** KV secrets engine mounts systems may read from, unless the environment names others. */
export const DEFAULT_KV_MOUNTS = ['kv', 'secret'];

/** Why a Vault path is not canonical, or undefined when it is. */
export function vaultPathShapeProblem(raw: string): string | undefined {
  const segments = raw.split('/');
  if (segments.some((s) => s === '.' || s === '..')) {
    const out: string[] = [];
    for (const s of segments) {
      if (s === '..') out.pop();
      else if (s !== '.' && s !== '') out.push(s);
    }
    return `"${raw}" has a "." or ".." segment; Vault reads it literally and reviewers would not, so write the path it stands for ("${out.join('/')}") if you own it`;
  }
  if (segments.some((s) => s === '')) {
    return `"${raw}" has an empty segment; write "${segments.filter((s) => s !== '').join('/')}"`;
  }
  return undefined;
}

/** Whether a canonical path lies under the system's own name, right after the mount (KV v1 or v2). */
export function ownsSecretPath(system: string, vaultPath: string): boolean {
  const segments = vaultPath.split('/');
  const at = segments[1] === 'data' || segments[1] === 'metadata' ? 2 : 1;
  return segments[at] === system && segments.length > at + 1;
}

/** Problems of one declared secret path that do not depend on the environment. */
export function secretPathProblem(system: string, raw: string): string | undefined {
  const shape = vaultPathShapeProblem(raw);
  if (shape !== undefined) return shape;
  if (!ownsSecretPath(system, raw)) {
    return `"${raw}" is outside the system's own prefix; expected "<mount>/data/${system}/..." or "<mount>/${system}/..."`;
  }
  return undefined;
}

interface WorkloadLike {
  readonly secrets?: Readonly<Record<string, unknown>>;
}
interface SystemLike {
  readonly name: string;
  readonly services: Readonly<Record<string, WorkloadLike>>;
  readonly jobs?: Readonly<Record<string, WorkloadLike>>;
}

/**
 * Secret paths whose mount is not a KV mount of every environment, once per path with the
 * environments that lack it: `sys/billing/x` passes the prefix check but names Vault's own API.
 */
export function secretMountIssues(
  systems: readonly SystemLike[],
  environments: readonly Environment[],
): Issue[] {
  const issues: Issue[] = [];
  for (const system of systems) {
    for (const kind of ['services', 'jobs'] as const) {
      for (const [name, workload] of Object.entries(system[kind] ?? {})) {
        for (const [secret, vaultPath] of Object.entries(workload.secrets ?? {})) {
          if (typeof vaultPath !== 'string') continue;
          const mount = vaultPath.split('/')[0];
          const lacking = environments.filter((env) => !env.vault.kvMounts.includes(mount));
          if (lacking.length === 0) continue;
          const mounts = [...new Set(lacking.flatMap((env) => env.vault.kvMounts))].sort();
          issues.push({
            path: `${system.name}.${kind}.${name}.secrets.${secret}`,
            message: `mount "${mount}" is not a KV secrets mount in environment${lacking.length === 1 ? '' : 's'} ${lacking
              .map((env) => env.name)
              .sort()
              .join(', ')}; expected one of ${mounts.map((m) => `"${m}"`).join(', ')} (vault.kvMounts)`,
          });
        }
      }
    }
  }
  return issues;
}
