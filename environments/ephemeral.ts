import {
  environmentSchema,
  MAX_NAME,
  DNS_LABEL,
  RESERVED_NAMESPACES,
  ValidationError,
  type Environment,
  type EnvironmentInput,
} from '../model';

export interface EphemeralOptions {
  /** The environment's name, e.g. `pr-123`; it suffixes namespaces and prefixes hostnames. */
  readonly name: string;
  /** Lifetime in hours. @default 48 */
  readonly ttlHours?: number;
  /** When the environment was created. @default - now */
  readonly createdAt?: Date;
}

/**
 * A short-lived environment for one pull request, derived from a long-lived base (usually
 * dev). It shares the base's cluster and platform (gateway, mesh, policies), so everything it
 * creates is namespaced by its name: `commerce-pr-123`, `pr-123-shop.dev.acme.example`.
 * It runs at the smallest size: one replica, the base's dev-sized defaults, one database
 * instance without backups or pooling, and no per-system overrides.
 */
export function deriveEphemeral(
  base: EnvironmentInput | Environment,
  options: EphemeralOptions,
): Environment {
  const problems = [];
  if (!DNS_LABEL.test(options.name) || options.name.length > MAX_NAME.environment) {
    problems.push({
      path: 'name',
      message: `an ephemeral environment name must be a DNS label of at most ${MAX_NAME.environment} characters, got "${options.name}"`,
    });
  }
  if (base.ephemeral)
    problems.push({
      path: 'base',
      message: `"${base.name}" is itself ephemeral; derive from a long-lived environment`,
    });
  const ttlHours = options.ttlHours ?? 48;
  if (!(ttlHours > 0)) problems.push({ path: 'ttl', message: `ttl must be positive, got ${ttlHours}` });
  if (problems.length > 0) throw new ValidationError(problems);

  const parsedBase = environmentSchema.parse(base);
  return environmentSchema.parse({
    ...parsedBase,
    name: options.name,
    defaults: { ...parsedBase.defaults, replicas: 1 },
    database: { instances: 1, pooler: false },
    kafka: { ...parsedBase.kafka, replicas: 1 },
    overrides: {},
    ephemeral: {
      base: parsedBase.name,
      ttlHours,
      createdAt: (options.createdAt ?? new Date()).toISOString(),
    },
  });
}

/** When an ephemeral environment expires. */
export function expiresAt(env: Environment): Date | undefined {
  if (!env.ephemeral) return undefined;
  return new Date(Date.parse(env.ephemeral.createdAt) + env.ephemeral.ttlHours * 3600_000);
}

/** Parses `48h`, `90m`, `2d` into hours. */
export function parseTtl(ttl: string): number {
  const match = /^([0-9]+(?:\.[0-9]+)?)(m|h|d)$/.exec(ttl);
  if (!match)
    throw new ValidationError([
      { path: 'ttl', message: `expected a duration like "48h", "90m" or "2d", got "${ttl}"` },
    ]);
  const value = Number(match[1]);
  return match[2] === 'm' ? value / 60 : match[2] === 'd' ? value * 24 : value;
}

/** What an ephemeral environment's name must not collide with. */
export interface LongLivedNames {
  /** Every long-lived environment's name. */
  readonly environments: readonly string[];
  /** Every declared system, with the host labels its routes use. */
  readonly systems: readonly {
    name: string;
    services: Record<string, { routes?: readonly { host?: string }[] }>;
  }[];
}

/**
 * Why a name cannot be an ephemeral environment's, checked from the declarations alone (before
 * any backend or cluster is touched): it must not be a long-lived environment's name, and the
 * namespaces and host labels derived from it must not be ones that a long-lived system or the
 * platform already uses (`kube` + `system` = `kube-system`; `commerce` + `pr` = `commerce-pr`).
 */
export function ephemeralNameConflicts(
  name: string,
  longLived: LongLivedNames,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (longLived.environments.includes(name)) {
    problems.push({
      path: 'name',
      message: `"${name}" is a long-lived environment; an ephemeral environment never takes its name or its stacks`,
    });
  }
  const taken = new Map<string, string>();
  for (const ns of RESERVED_NAMESPACES) taken.set(ns, 'a platform namespace');
  for (const system of longLived.systems) taken.set(system.name, `the namespace of system "${system.name}"`);
  for (const system of longLived.systems) {
    const derived = `${system.name}-${name}`;
    const owner = taken.get(derived);
    if (owner) {
      problems.push({
        path: 'name',
        message: `system "${system.name}" would live in namespace "${derived}", which is ${owner}`,
      });
    }
  }
  const hosts = new Set<string>();
  for (const system of longLived.systems)
    for (const service of Object.values(system.services))
      for (const route of service.routes ?? []) hosts.add(route.host ?? system.name);
  for (const host of [...hosts].sort()) {
    if (hosts.has(`${name}-${host}`)) {
      problems.push({
        path: 'name',
        message: `host "${host}" would become "${name}-${host}", a host that a long-lived route already uses`,
      });
    }
  }
  return problems;
}

/**
 * Why `name` cannot live beside the ephemeral environments that already exist: two ephemeral
 * environments whose derived namespaces or hosts meet would apply over each other's objects
 * (`commerce` in `x-pr` and `commerce-x` in `pr` are both namespace `commerce-x-pr`). Both are
 * derived from the same declarations, so the check needs only the other environments' names.
 */
export function ephemeralNeighbourConflicts(
  name: string,
  others: readonly string[],
  systems: LongLivedNames['systems'],
): { path: string; message: string }[] {
  const hostsOf = (system: LongLivedNames['systems'][number]) =>
    new Set(
      Object.values(system.services).flatMap((service) =>
        (service.routes ?? []).map((route) => route.host ?? system.name),
      ),
    );
  const problems: { path: string; message: string }[] = [];
  for (const other of [...others].sort()) {
    if (other === name) continue;
    const theirs = new Map<string, string>();
    // Hosts can be shared between systems (allowShared): name the first system that uses one.
    const claim = (what: string, system: string) => {
      if (!theirs.has(what)) theirs.set(what, `system "${system}"`);
    };
    for (const system of systems) {
      claim(`namespace "${system.name}-${other}"`, system.name);
      for (const host of hostsOf(system)) claim(`host "${other}-${host}"`, system.name);
    }
    for (const system of systems) {
      const mine = [
        `namespace "${system.name}-${name}"`,
        ...[...hostsOf(system)].map((host) => `host "${name}-${host}"`),
      ];
      for (const what of mine) {
        const owner = theirs.get(what);
        if (owner) {
          problems.push({
            path: 'name',
            message: `system "${system.name}" would use ${what}, which ${owner} of ephemeral environment "${other}" already uses`,
          });
        }
      }
    }
  }
  return problems;
}
