import type { Environment } from './environment';

/**
 * Where a system lives in an environment. Ephemeral environments share a cluster with their
 * base, so their namespaces and hostnames carry the environment's name to never collide.
 */
export function namespaceFor(system: string, env: Environment): string {
  return env.ephemeral ? `${system}-${env.name}` : system;
}

/** Prefix of every public host label in an environment: `pr-42-` for an ephemeral one. */
export function hostPrefix(env: Environment): string {
  return env.ephemeral ? `${env.name}-` : '';
}
