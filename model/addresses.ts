import type { Environment } from './environment';
import type { Issue } from './issues';
import { namespaceFor } from './naming';
import { parseReference } from './references';

/**
 * Callers find callees through `<CALLEE>_ADDR` variables derived from `calls`, so an address can
 * never drift from the call graph the network and mesh rules are built from. A variable written
 * by hand that points at a service of the fleet is checked against the same graph.
 */

/** The cluster's DNS domain when the environment names none. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

interface ServiceLike {
  readonly port?: number;
  readonly servicePort?: number;
}
interface WorkloadLike {
  readonly calls?: readonly string[];
  readonly env?: Readonly<Record<string, unknown>>;
}
interface SystemLike {
  readonly name: string;
  readonly services: Readonly<Record<string, ServiceLike & WorkloadLike>>;
  readonly jobs?: Readonly<Record<string, WorkloadLike>>;
}

/** `cart-cache` -> `CART_CACHE`: what an environment variable name can hold. */
function envForm(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/**
 * The variable a caller of `system` gets for one callee: `<SERVICE>_ADDR` within its own system,
 * `<SYSTEM>_<SERVICE>_ADDR` for another system's service, so a callee's name never hides which
 * system it belongs to.
 */
export function addressVariable(callerSystem: string, callee: { system: string; service: string }): string {
  const base =
    callee.system === callerSystem
      ? envForm(callee.service)
      : `${envForm(callee.system)}_${envForm(callee.service)}`;
  return `${base}_ADDR`;
}

/**
 * `host:port` of a callee's Service: the short name within the caller's namespace, the fully
 * qualified `<service>.<namespace>.svc.<cluster domain>` across namespaces (a short name would
 * resolve in the caller's own namespace).
 */
export function addressValue(
  callerNamespace: string,
  callee: { service: string; namespace: string; servicePort: number },
  env: Pick<Environment, 'cluster'>,
): string {
  const host =
    callee.namespace === callerNamespace
      ? callee.service
      : `${callee.service}.${callee.namespace}.svc.${env.cluster.dnsDomain}`;
  return `${host}:${callee.servicePort}`;
}

/** The address variables of one workload, sorted by name. */
export function addressVariables(
  callerSystem: string,
  calls: readonly string[] | undefined,
  fleet: ReadonlyMap<string, SystemLike>,
  env: Environment,
): { name: string; value: string }[] {
  const out = new Map<string, string>();
  for (const call of calls ?? []) {
    const ref = parseReference(call, callerSystem);
    const service = fleet.get(ref.system)?.services[ref.name];
    if (!service || service.port === undefined) continue;
    out.set(
      addressVariable(callerSystem, { system: ref.system, service: ref.name }),
      addressValue(
        namespaceFor(callerSystem, env),
        {
          service: ref.name,
          namespace: namespaceFor(ref.system, env),
          servicePort: service.servicePort ?? service.port,
        },
        env,
      ),
    );
  }
  return [...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }));
}

/** `host` or `host:port`, with an optional scheme, as values name them. */
const ADDRESS =
  /(?:[a-z][a-z0-9+.-]*:\/\/)?([a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*)(?::([0-9]{1,5}))?/gi;

/**
 * The services of the fleet a value points at: `orders:8080`, `http://orders/x`,
 * `orders.commerce:8080`, `orders.commerce.svc.cluster.local`. A bare word (`orders`) is left
 * alone: it may as well be a log level or a feature name.
 */
function pointedAt(
  value: string,
  callerSystem: string,
  fleet: ReadonlyMap<string, SystemLike>,
  clusterDomains: readonly string[],
): { system: string; service: string; port?: number; text: string }[] {
  const found: { system: string; service: string; port?: number; text: string }[] = [];
  for (const match of value.matchAll(ADDRESS)) {
    const [text, host, port] = match;
    const hasScheme = text.includes('://');
    const labels = host.toLowerCase().split('.');
    if (labels.length === 1 && port === undefined && !hasScheme) continue;
    const [service, namespace, ...rest] = labels;
    const system = namespace ?? callerSystem;
    const suffix = rest.join('.');
    const inCluster = suffix === '' || suffix === 'svc' || clusterDomains.some((d) => suffix === `svc.${d}`);
    if (namespace !== undefined && !inCluster) continue;
    if (fleet.get(system)?.services[service] === undefined) continue;
    found.push({ system, service, port: port === undefined ? undefined : Number(port), text });
  }
  return found;
}

/**
 * Address problems of every workload: hand-written values that name a service of the fleet the
 * workload does not call, or a port other than that service's Service port; variables of the
 * same name as a generated address; two callees that would share one variable name.
 */
export function addressIssues(
  systems: readonly SystemLike[],
  fleet: ReadonlyMap<string, SystemLike>,
  environments: readonly Pick<Environment, 'name' | 'cluster' | 'overrides'>[],
): Issue[] {
  const issues: Issue[] = [];
  const domains = [
    ...new Set([
      DEFAULT_CLUSTER_DOMAIN,
      ...environments.map((e) => e.cluster.dnsDomain ?? DEFAULT_CLUSTER_DOMAIN),
    ]),
  ];
  const checkEnv = (
    at: string,
    system: SystemLike,
    workload: WorkloadLike,
    env: Readonly<Record<string, unknown>> | undefined,
    generated: ReadonlyMap<string, string>,
  ) => {
    const called = new Set(
      (workload.calls ?? []).map((c) => parseReference(c, system.name)).map((r) => `${r.system}/${r.name}`),
    );
    for (const key of Object.keys(env ?? {}).sort()) {
      const raw = env![key];
      const value = typeof raw === 'string' ? raw : (raw as { value?: unknown })?.value;
      if (generated.has(key)) {
        issues.push({
          path: `${at}.${key}`,
          message: `syskit sets ${key} from calls ("${generated.get(key)}"); leave it out`,
        });
        continue;
      }
      if (typeof value !== 'string') continue;
      {
        for (const target of pointedAt(value, system.name, fleet, domains)) {
          const id = `${target.system}/${target.service}`;
          const name = addressVariable(system.name, target);
          if (!called.has(id)) {
            issues.push({
              path: `${at}.${key}`,
              message: `"${target.text}" points at ${id}, which this workload does not call; add "${target.system === system.name ? target.service : id}" to calls (syskit then sets ${name}) or remove the value`,
            });
            continue;
          }
          const callee = fleet.get(target.system)!.services[target.service];
          const servicePort = callee.servicePort ?? callee.port;
          if (target.port !== undefined && target.port !== servicePort) {
            issues.push({
              path: `${at}.${key}`,
              message: `"${target.text}" uses port ${target.port}, but ${id} is reached on port ${servicePort}; use ${name}, which syskit sets from calls`,
            });
          }
        }
      }
    }
  };

  for (const system of systems) {
    const workloads: [string, WorkloadLike][] = [
      ...Object.entries(system.services).map(([n, s]): [string, WorkloadLike] => [`services.${n}`, s]),
      ...Object.entries(system.jobs ?? {}).map(([n, j]): [string, WorkloadLike] => [`jobs.${n}`, j]),
    ];
    for (const [where, workload] of workloads) {
      const at = `${system.name}.${where}`;
      const generated = new Map<string, string>();
      const firstCall = new Map<string, { index: number; callee: string }>();
      (workload.calls ?? []).forEach((call, i) => {
        const ref = parseReference(call, system.name);
        const callee = `${ref.system}/${ref.name}`;
        const name = addressVariable(system.name, { system: ref.system, service: ref.name });
        const first = firstCall.get(name);
        if (first !== undefined && first.callee !== callee)
          issues.push({
            path: `${at}.calls[${i}]`,
            message: `"${call}" would get the variable ${name}, which calls[${first.index}] ("${workload.calls![first.index]}") already has; rename one of the services`,
          });
        if (first === undefined) firstCall.set(name, { index: i, callee });
        generated.set(name, call);
      });
      checkEnv(`${at}.env`, system, workload, workload.env, generated);
    }
  }
  for (const environment of environments) {
    for (const [systemName, override] of Object.entries(environment.overrides)) {
      const system = fleet.get(systemName);
      if (!system) continue;
      for (const [name, serviceOverride] of Object.entries(override.services)) {
        const service = system.services[name];
        if (!service || !serviceOverride.env) continue;
        const generated = new Map(
          (service.calls ?? []).map((call) => {
            const ref = parseReference(call, systemName);
            return [addressVariable(systemName, { system: ref.system, service: ref.name }), call] as const;
          }),
        );
        checkEnv(
          `environments.${environment.name}.overrides.${systemName}.services.${name}.env`,
          system,
          service,
          serviceOverride.env,
          generated,
        );
      }
    }
  }
  return issues;
}
