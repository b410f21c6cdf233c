import { addressVariables } from './addresses';
import type { Environment } from './environment';
import { parseFleet, type Fleet } from './fleet';
import { imageVersion } from './image';
import { namespaceFor, routeHost } from './naming';
import type { Resources, ResourcesInput } from './quantities';
import { resolveProbe } from './probes';
import { parseReference } from './references';
import type { Endpoint, ResolvedJob, ResolvedService, ResolvedSystem, ResolvedWorkload } from './resolved';
import type { Job, Service, System } from './system';
import { ValidationError } from './issues';
import { canonicalRoutePath } from './route-paths';
import { envValueText, type EnvValue } from './secret-values';

export const MANAGED_BY = 'syskit';

/** Label keys syskit writes; policies and selectors rely on them. */
export const LABELS = {
  system: 'syskit.io/system',
  environment: 'syskit.io/environment',
  owner: 'syskit.io/owner',
  name: 'app.kubernetes.io/name',
  partOf: 'app.kubernetes.io/part-of',
  managedBy: 'app.kubernetes.io/managed-by',
  version: 'app.kubernetes.io/version',
  component: 'app.kubernetes.io/component',
} as const;

/**
 * Merges an environment into a system: defaults, then per-system and per-service overrides,
 * and the call graph in both directions (who this service calls, and who calls it, across
 * the whole fleet). Input must come from `parseFleet`, which has checked every reference.
 */
export function resolve(
  system: System,
  environment: Environment,
  allSystems: Fleet | readonly System[],
): ResolvedSystem {
  const byName = 'byName' in allSystems ? allSystems.byName : new Map(allSystems.map((s) => [s.name, s]));
  const regoSources = 'regoSources' in allSystems ? allSystems.regoSources : new Map<string, string>();
  // Constructs stay pure: the Rego comes from what parseFleet read, never from the disk here.
  const regoSource = (service: string, policy: string): string => {
    const source = regoSources.get(policy);
    if (source === undefined) {
      throw new ValidationError([
        {
          path: `${system.name}.services.${service}.authz.policy`,
          message: `no source for "${policy}"; resolve against the fleet parseFleet returned, which reads it`,
        },
      ]);
    }
    return source;
  };
  if (!byName.has(system.name)) {
    throw new ValidationError([
      { path: system.name, message: 'system is not part of the fleet it is resolved against' },
    ]);
  }
  const override = environment.overrides[system.name];
  const namespace = namespaceFor(system.name, environment);

  const endpointOf = (systemName: string, serviceName: string): Endpoint => {
    const target = byName.get(systemName)!;
    const service = target.services[serviceName];
    return {
      system: systemName,
      service: serviceName,
      namespace: namespaceFor(systemName, environment),
      serviceAccount: serviceName,
      port: service.port,
      servicePort: service.servicePort ?? service.port,
      protocol: service.protocol,
    };
  };

  const workload = (
    name: string,
    w: Service | Job,
    serviceOverride?: { resources?: ResourcesInput; env?: Record<string, EnvValue> },
  ): ResolvedWorkload => ({
    name,
    image: w.image,
    version: imageVersion(w.image),
    command: w.command,
    args: w.args,
    env: Object.entries({ ...w.env, ...serviceOverride?.env })
      .sort(([a], [b]) => compare(a, b))
      .map(([n, value]) => ({ name: n, value: envValueText(value) })),
    resources: mergeResources(
      environment.defaults.resources,
      override?.resources,
      w.resources,
      serviceOverride?.resources,
    ),
    serviceAccount: name,
    secrets: Object.entries(w.secrets ?? {})
      .sort(([a], [b]) => compare(a, b))
      .map(([n, path]) => ({ name: n, path })),
    database: w.database,
    calls: uniqueEndpoints(
      (w.calls ?? []).map((c) => parseReference(c, system.name)).map((r) => endpointOf(r.system, r.name)),
    ),
    egress: [...(w.egress ?? [])]
      .sort((a, b) =>
        compare(
          `${a.host}:${String(a.port).padStart(5, '0')}`,
          `${b.host}:${String(b.port).padStart(5, '0')}`,
        ),
      )
      .map((e) => ({ host: e.host, port: e.port, protocol: e.protocol })),
    addresses: addressVariables(system.name, w.calls, byName, environment),
    terminationGracePeriodSeconds: w.terminationGracePeriodSeconds,
    publishes: [...new Set(w.topics?.publishes ?? [])].sort(compare),
    consumes: [
      ...new Map(
        (w.topics?.consumes ?? [])
          .map((c) => parseReference(c, system.name))
          .map((r) => [`${r.system}/${r.name}`, { system: r.system, topic: r.name }]),
      ).entries(),
    ]
      .sort(([a], [b]) => compare(a, b))
      .map(([, v]) => v),
  });

  const callersOf = callerIndex(byName, environment);

  const services: ResolvedService[] = Object.keys(system.services)
    .sort(compare)
    .map((name) => {
      const s = system.services[name];
      const so = override?.services[name];
      const autoscalingInput = so?.autoscaling ?? s.autoscaling;
      const autoscaling = autoscalingInput
        ? {
            min: autoscalingInput.min,
            max: autoscalingInput.max,
            targetCpuPercent: autoscalingInput.targetCpuPercent ?? s.autoscaling?.targetCpuPercent ?? 70,
          }
        : undefined;
      const replicas = autoscaling
        ? autoscaling.min
        : (so?.replicas ?? override?.replicas ?? s.replicas ?? environment.defaults.replicas);
      const probe = (kind: 'readiness' | 'liveness') =>
        resolveProbe(kind, s.protocol, s.port, s.probes?.[kind]);
      return {
        kind: 'service' as const,
        ...workload(name, s, so),
        port: s.port,
        servicePort: s.servicePort ?? s.port,
        protocol: s.protocol,
        replicas,
        autoscaling,
        readiness: probe('readiness'),
        liveness: probe('liveness'),
        routes: (s.routes ?? []).map((r) => ({
          host: routeHost(system.name, r.host, environment),
          path: canonicalRoutePath(r.path),
          methods: r.methods,
          auth: r.auth,
          rateLimitPerMinute: r.rateLimitPerMinute,
          corsOrigins: r.corsOrigins,
          maxBodyMegabytes: r.maxBodyMegabytes,
        })),
        metrics: s.metrics ? { port: s.metrics.port ?? s.port, path: s.metrics.path } : undefined,
        authz: s.authz ? { policy: s.authz.policy, rego: regoSource(name, s.authz.policy) } : undefined,
        callers: callersOf(system.name, name),
        storage: s.storage
          ? {
              size: so?.storage?.size ?? s.storage.size,
              mountPath: s.storage.mountPath,
              storageClass: environment.cluster.storageClass,
            }
          : undefined,
      };
    });

  const jobs: ResolvedJob[] = Object.keys(system.jobs)
    .sort(compare)
    .map((name) => {
      const j = system.jobs[name];
      return {
        kind: 'job' as const,
        ...workload(name, j),
        schedule: j.schedule,
        timeZone: j.timeZone,
        concurrencyPolicy: j.concurrencyPolicy,
        activeDeadlineSeconds: j.activeDeadlineSeconds,
      };
    });

  return {
    name: system.name,
    owner: system.owner,
    description: system.description,
    namespace,
    environment,
    services,
    jobs,
    database: system.database
      ? {
          engine: system.database.engine,
          version: system.database.version,
          storage: override?.database?.storage ?? system.database.storage,
          storageClass: environment.cluster.storageClass,
          instances: override?.database?.instances ?? environment.database.instances,
          extensions: [...system.database.extensions].sort(compare),
          parameters: system.database.parameters,
          clusterName: `${system.name}-db`,
        }
      : undefined,
    topics: Object.keys(system.topics)
      .sort(compare)
      .map((name) => ({
        name,
        partitions: system.topics[name].partitions,
        replicas: environment.kafka.replicas,
        retentionHours: system.topics[name].retentionHours ?? environment.kafka.retentionHours,
      })),
    registries: [...system.registries],
    labels: {
      [LABELS.partOf]: system.name,
      [LABELS.managedBy]: MANAGED_BY,
      [LABELS.system]: system.name,
      [LABELS.environment]: environment.name,
      [LABELS.owner]: system.owner,
    },
  };
}

/** Convenience for tools and tests: parse the fleet, then resolve one system in one environment. */
export function resolveByName(
  systems: readonly unknown[],
  environment: unknown,
  systemName: string,
): ResolvedSystem {
  const fleet = parseFleet(systems, [environment]);
  const system = fleet.byName.get(systemName);
  if (!system) throw new ValidationError([{ path: systemName, message: 'no such system' }]);
  return resolve(system, fleet.environments[0], fleet);
}

// The reverse call graph is the same for every system of a fleet in one environment; cache it
// so resolving N systems costs O(fleet) in total, not O(fleet) per system.
const callerIndexCache = new WeakMap<ReadonlyMap<string, System>, Map<string, Map<string, Endpoint[]>>>();

function callerIndex(byName: ReadonlyMap<string, System>, environment: Environment) {
  let perEnv = callerIndexCache.get(byName);
  if (!perEnv) {
    perEnv = new Map();
    callerIndexCache.set(byName, perEnv);
  }
  let index = perEnv.get(environment.name + '\u0000' + (environment.ephemeral?.createdAt ?? ''));
  if (!index) {
    index = new Map<string, Endpoint[]>();
    for (const caller of byName.values()) {
      const add = (name: string, w: Service | Job) => {
        for (const call of w.calls ?? []) {
          const ref = parseReference(call, caller.name);
          const key = `${ref.system}/${ref.name}`;
          const list = index!.get(key) ?? [];
          const callerService = caller.services[name];
          list.push({
            system: caller.name,
            service: name,
            namespace: namespaceFor(caller.name, environment),
            serviceAccount: name,
            port: callerService?.port ?? 0,
            servicePort: callerService?.servicePort ?? callerService?.port ?? 0,
            protocol: callerService?.protocol ?? 'http',
          });
          index!.set(key, list);
        }
      };
      for (const [name, s] of Object.entries(caller.services)) add(name, s);
      for (const [name, j] of Object.entries(caller.jobs)) add(name, j);
    }
    perEnv.set(environment.name + '\u0000' + (environment.ephemeral?.createdAt ?? ''), index);
  }
  const found = index;
  return (system: string, service: string): Endpoint[] =>
    uniqueEndpoints(found.get(`${system}/${service}`) ?? []);
}

function uniqueEndpoints(endpoints: Endpoint[]): Endpoint[] {
  const byKey = new Map(endpoints.map((e) => [`${e.namespace}/${e.service}`, e]));
  return [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, e]) => e);
}

function mergeResources(...layers: (ResourcesInput | undefined)[]): Resources {
  const out = {
    requests: { cpu: '', memory: '', ephemeralStorage: '' },
    limits: { cpu: '', memory: '', ephemeralStorage: '' },
  };
  for (const layer of layers) {
    if (!layer) continue;
    for (const side of ['requests', 'limits'] as const) {
      for (const key of ['cpu', 'memory', 'ephemeralStorage'] as const) {
        const value = layer[side]?.[key];
        if (value !== undefined) out[side][key] = value;
      }
    }
  }
  return out;
}

/** Code-point order, independent of the machine's locale, so output is byte-stable everywhere. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
