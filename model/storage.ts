import type { Issue } from './issues';

/**
 * Directories a service's volume may not be mounted over: `/tmp` is the size-limited scratch
 * space every container gets, and `/vault` is where Vault Agent renders the service's secrets.
 */
const RESERVED_MOUNTS = ['/tmp', '/vault'];

interface ServiceLike {
  readonly storage?: { readonly size?: unknown; readonly mountPath?: unknown };
  readonly autoscaling?: unknown;
}
interface SystemLike {
  readonly name: string;
  readonly services: Readonly<Record<string, ServiceLike>>;
}
interface EnvironmentLike {
  readonly name: string;
  readonly overrides: Readonly<
    Record<string, { readonly services: Readonly<Record<string, { readonly storage?: unknown }>> }>
  >;
}

/**
 * What a stateful service cannot be: autoscaled (each replica the autoscaler adds would create a
 * volume that scaling down never removes, and the namespace quota could not be sized for them),
 * or mounted over the directories the platform writes. An environment may resize a volume only
 * for a service that has one.
 */
export function storageIssues(
  systems: readonly SystemLike[],
  environments: readonly EnvironmentLike[],
): Issue[] {
  const issues: Issue[] = [];
  for (const system of systems) {
    for (const [name, service] of Object.entries(system.services)) {
      if (!service.storage) continue;
      const at = `${system.name}.services.${name}.storage`;
      if (service.autoscaling !== undefined)
        issues.push({
          path: at,
          message:
            'a service with storage runs a fixed number of replicas, each with its own volume; declare replicas instead of autoscaling',
        });
      const mount = service.storage.mountPath;
      const reserved = RESERVED_MOUNTS.find((r) => mount === r || String(mount).startsWith(`${r}/`));
      if (typeof mount === 'string' && reserved !== undefined)
        issues.push({
          path: `${at}.mountPath`,
          message: `"${mount}" is under ${reserved}, which the platform mounts (${reserved === '/tmp' ? 'the size-limited scratch space' : "Vault Agent's secrets"}); choose another directory, like "/data"`,
        });
    }
  }
  for (const env of environments) {
    for (const [systemName, override] of Object.entries(env.overrides)) {
      const system = systems.find((s) => s.name === systemName);
      for (const [name, serviceOverride] of Object.entries(override.services)) {
        const service = system?.services[name];
        if (serviceOverride.storage === undefined || service === undefined || service.storage) continue;
        issues.push({
          path: `environments.${env.name}.overrides.${systemName}.services.${name}.storage`,
          message: `${systemName}.services.${name} declares no storage to resize; declare storage there first`,
        });
      }
    }
  }
  return issues;
}
