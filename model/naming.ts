import type { Environment } from './environment';

/**
 * Where a system lives in an environment. Ephemeral environments share a cluster with their
 * base, so their namespaces and hostnames carry the environment's name to never collide.
 */
export function namespaceFor(system: string, env: Pick<Environment, 'name' | 'ephemeral'>): string {
  return env.ephemeral ? `${system}-${env.name}` : system;
}

/** Prefix of every public host label in an environment: `pr-42-` for an ephemeral one. */
export function hostPrefix(env: Environment): string {
  return env.ephemeral ? `${env.name}-` : '';
}

/** The public hostname of a route: `<prefix><host or system>.<domain>`. */
export function routeHost(systemName: string, host: string | undefined, env: Environment): string {
  return `${hostPrefix(env)}${host ?? systemName}.${env.domain}`;
}

/** Every hostname the fleet routes in an environment, sorted and unique. */
export function fleetHostnames(
  systems: readonly { name: string; services: Record<string, { routes?: readonly { host?: string }[] }> }[],
  env: Environment,
): string[] {
  const hosts = new Set<string>();
  for (const system of systems) {
    for (const service of Object.values(system.services)) {
      for (const route of service.routes ?? []) hosts.add(routeHost(system.name, route.host, env));
    }
  }
  return [...hosts].sort();
}
