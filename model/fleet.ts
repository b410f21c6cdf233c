import * as fs from 'node:fs';
import * as path from 'node:path';
import { requiredDigestIssues } from './digests';
import { environmentSchema, type Environment } from './environment';
import { fromZod, sortIssues, ValidationError, type Issue } from './issues';
import { didYouMean } from './names';
import { protocolIssues } from './probes';
import { parseReference } from './references';
import { systemSchema, type Job, type Service, type System } from './system';
import { routeHost } from './naming';
import { checkIsolation } from './isolation';
import { canonicalRoutePath, routeOverlapIssues, routePathIssues } from './route-paths';
import { secretMountIssues, secretPathProblem } from './vault-paths';
import { envIssues } from './secret-values';
import { limitIssues } from './limits';
import { REPOSITORY_ROOT } from './repository-root';
import { storageIssues } from './storage';
import { addressIssues } from './addresses';
import { egressIssues } from './egress';
import { kubernetesLimitIssues } from './k8s-limits';

/**
 * Every system and environment of the monorepo, parsed and cross-checked together: a call to
 * another system, a consumed topic or an override can only be checked against the whole fleet.
 */
export interface Fleet {
  readonly systems: readonly System[];
  readonly environments: readonly Environment[];
  readonly byName: ReadonlyMap<string, System>;
  /** The Rego files services name under `authz.policy`, by that path, as read when parsing. */
  readonly regoSources: ReadonlyMap<string, string>;
}

export interface FleetOptions {
  /**
   * The folder `authz.policy` paths are relative to.
   * @default - the repository root, the folder holding model/ (synth/load.ts's PROJECT_ROOT)
   */
  readonly root?: string;
  /**
   * Names of the platform's policy rules, which `policy.rules` of an environment may name.
   * @default - rule names are not checked
   */
  readonly policyRules?: readonly string[];
}

/** Name of the OPA authorizer's objects (Deployment, Service, ServiceAccount) in a system namespace. */
export const OPA_AUTHORIZER_NAME = 'opa-authz';

/** The repository root, where `authz.policy` paths start. */
export { REPOSITORY_ROOT };

/**
 * opa-envoy asks `data.envoy.authz.allow` (the path in the authorizer's config), so every
 * policy it serves must be that package; any other package would leave every decision
 * undefined, and Envoy would deny every request without saying why.
 */
export const AUTHZ_PACKAGE = 'envoy.authz';

/** Parses and cross-checks; throws a ValidationError listing every problem at once. */
export function parseFleet(
  systemInputs: readonly unknown[],
  environmentInputs: readonly unknown[],
  options: FleetOptions = {},
): Fleet {
  const issues: Issue[] = [];
  const systems: System[] = [];
  // Systems whose shape is wrong are still cross-checked through a lenient reading, so one
  // run reports a bad image and a misspelt call together instead of one after the other.
  const checked: System[] = [];
  systemInputs.forEach((input, i) => {
    const root = nameOf(input) ?? `systems[${i}]`;
    const parsed = systemSchema.safeParse(input);
    if (parsed.success) {
      systems.push(parsed.data);
      checked.push(parsed.data);
    } else {
      issues.push(...fromZod(root, parsed.error));
      const loose = lenientSystem(input);
      if (loose) checked.push(loose);
    }
  });
  const environments: Environment[] = [];
  environmentInputs.forEach((input, i) => {
    const root = `environments.${nameOf(input) ?? i}`;
    const parsed = environmentSchema.safeParse(input);
    if (parsed.success) environments.push(parsed.data);
    else issues.push(...fromZod(root, parsed.error));
  });

  const byName = new Map<string, System>();
  for (const system of checked) {
    if (byName.has(system.name))
      issues.push({ path: `${system.name}.name`, message: `system "${system.name}" is declared twice` });
    byName.set(system.name, system);
  }
  const seenEnvironments = new Set<string>();
  for (const env of environments) {
    if (seenEnvironments.has(env.name))
      issues.push({
        path: `environments.${env.name}.name`,
        message: `environment "${env.name}" is declared twice`,
      });
    seenEnvironments.add(env.name);
  }

  // Cross-references are only meaningful when the shapes parsed; a system that failed to parse
  // may still be the target of another system's call, so unknown targets are checked by name.
  const unparsed = new Set(
    systemInputs.map(nameOf).filter((n): n is string => n !== undefined && !byName.has(n)),
  );
  for (const system of checked) issues.push(...checkSystem(system, byName, unparsed));
  for (const system of systems)
    for (const [name, service] of Object.entries(system.services))
      issues.push(...protocolIssues(`${system.name}.services.${name}`, service));
  for (const env of environments) issues.push(...checkEnvironment(env, checked, byName));
  for (const env of environments) issues.push(...requiredDigestIssues(env, systems));
  if (options.policyRules) {
    for (const env of environments) issues.push(...checkRuleNames(env, options.policyRules));
  }
  issues.push(...checkIsolation(checked, environments), ...routePathIssues(checked));
  issues.push(...secretMountIssues(checked, environments), ...limitIssues(checked, environments));
  issues.push(...storageIssues(checked, environments), ...addressIssues(checked, byName, environments));
  issues.push(...egressIssues(checked, environments), ...kubernetesLimitIssues(checked, environments));
  for (const env of environments) issues.push(...routeOverlapIssues(checked, env));
  const regoSources = readAuthzPolicies(systems, options.root ?? REPOSITORY_ROOT, issues);

  if (issues.length > 0) throw new ValidationError(sortIssues(issues));
  return { systems, environments, byName, regoSources };
}

/**
 * Reads every Rego file a service names under `authz.policy`, so resolving and synthesis never
 * touch the filesystem. The services of a system share one OPA serving one `envoy.authz`
 * package, so they may name only one file between them.
 */
function readAuthzPolicies(systems: readonly System[], root: string, issues: Issue[]): Map<string, string> {
  const sources = new Map<string, string>();
  // What is wrong with each file, once per file; reported for every service that names it.
  const problems = new Map<string, string>();
  const check = (policy: string): string | undefined => {
    if (sources.has(policy) || problems.has(policy)) return problems.get(policy);
    const source = readRegoFile(path.join(root, policy));
    const declared = source === undefined ? undefined : /^package\s+([\w.]+)\s*$/m.exec(source)?.[1];
    if (source === undefined) problems.set(policy, `no such Rego file "${policy}"`);
    else if (declared !== AUTHZ_PACKAGE)
      problems.set(
        policy,
        `"${policy}" declares ${declared ? `package ${declared}` : 'no package'}; opa-envoy asks data.${AUTHZ_PACKAGE}.allow, so declare "package ${AUTHZ_PACKAGE}"`,
      );
    else sources.set(policy, source);
    return problems.get(policy);
  };
  for (const system of systems) {
    let first: { policy: string; path: string } | undefined;
    for (const name of Object.keys(system.services).sort()) {
      const policy = system.services[name].authz?.policy;
      if (policy === undefined) continue;
      const at = `${system.name}.services.${name}.authz.policy`;
      if (first !== undefined && first.policy !== policy) {
        issues.push({
          path: at,
          message: `"${policy}" differs from "${first.policy}" of ${first.path}; the services of a system share one OPA serving one ${AUTHZ_PACKAGE} package, so name one Rego file for all of them`,
        });
      }
      first ??= { policy, path: at };
      const problem = check(policy);
      if (problem !== undefined) issues.push({ path: at, message: problem });
    }
    if (first === undefined) continue;
    for (const kind of ['services', 'jobs'] as const) {
      if (OPA_AUTHORIZER_NAME in system[kind]) {
        issues.push({
          path: `${system.name}.${kind}.${OPA_AUTHORIZER_NAME}`,
          message: `"${OPA_AUTHORIZER_NAME}" is the name of the system's OPA authorizer, which ${first.path} asks for; rename the workload`,
        });
      }
    }
  }
  return sources;
}

function readRegoFile(file: string): string | undefined {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return undefined;
  return fs.readFileSync(file, 'utf8');
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;

/** The parts of a malformed system that cross-checks read, keeping only well-typed values. */
function lenientSystem(input: unknown): System | undefined {
  if (!isRecord(input) || typeof input.name !== 'string' || !isRecord(input.services)) return undefined;
  const workload = (w: unknown) => {
    const r = isRecord(w) ? w : {};
    const topics = isRecord(r.topics) ? r.topics : {};
    const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
    const autoscaling =
      isRecord(r.autoscaling) && num(r.autoscaling.min) !== undefined && num(r.autoscaling.max) !== undefined
        ? { min: r.autoscaling.min as number, max: r.autoscaling.max as number, targetCpuPercent: 70 }
        : undefined;
    return {
      calls: strings(r.calls),
      database: r.database === 'readwrite' || r.database === 'readonly' ? r.database : undefined,
      topics: { publishes: strings(topics.publishes), consumes: strings(topics.consumes) },
      env: isRecord(r.env) ? r.env : undefined,
      port: num(r.port),
      replicas: num(r.replicas),
      storage: isRecord(r.storage) ? r.storage : undefined,
      secrets: isRecord(r.secrets) ? r.secrets : undefined,
      egress: Array.isArray(r.egress) ? r.egress.filter(isRecord) : undefined,
      autoscaling,
      routes: Array.isArray(r.routes)
        ? r.routes.filter((x): x is Record<string, unknown> => isRecord(x) && typeof x.path === 'string')
        : undefined,
    };
  };
  const mapValues = (v: unknown) =>
    isRecord(v) ? Object.fromEntries(Object.entries(v).map(([k, w]) => [k, workload(w)])) : {};
  return {
    name: input.name,
    services: mapValues(input.services),
    jobs: mapValues(input.jobs),
    topics: isRecord(input.topics) ? input.topics : {},
    database: isRecord(input.database) ? input.database : undefined,
    owner: typeof input.owner === 'string' ? input.owner : undefined,
  } as unknown as System;
}

function publishers(system: System): Set<string> {
  const out = new Set<string>();
  for (const w of [...Object.values(system.services), ...Object.values(system.jobs ?? {})]) {
    for (const topic of w.topics?.publishes ?? []) out.add(topic);
  }
  return out;
}

function nameOf(input: unknown): string | undefined {
  if (typeof input === 'object' && input !== null && typeof (input as { name?: unknown }).name === 'string') {
    return (input as { name: string }).name;
  }
  return undefined;
}

function checkSystem(
  system: System,
  byName: ReadonlyMap<string, System>,
  unparsed: ReadonlySet<string>,
): Issue[] {
  const issues: Issue[] = [];
  const workloads: [string, Service | Job][] = [
    ...Object.entries(system.services).map(([n, s]): [string, Service | Job] => [
      `${system.name}.services.${n}`,
      s,
    ]),
    ...Object.entries(system.jobs).map(([n, j]): [string, Service | Job] => [`${system.name}.jobs.${n}`, j]),
  ];

  for (const [path, workload] of workloads) {
    (workload.calls ?? []).forEach((call, i) => {
      const ref = parseReference(call, system.name);
      const target = byName.get(ref.system);
      if (target === undefined) {
        if (!unparsed.has(ref.system)) {
          issues.push({
            path: `${path}.calls[${i}]`,
            message: `unknown system "${ref.system}"${didYouMean(ref.system, byName.keys())}`,
          });
        }
      } else if (!(ref.name in target.services)) {
        const where = ref.system === system.name ? '' : ` in system "${ref.system}"`;
        issues.push({
          path: `${path}.calls[${i}]`,
          message: `unknown service "${ref.name}"${where}${didYouMean(ref.name, Object.keys(target.services))}`,
        });
      }
    });
    if (workload.database !== undefined && system.database === undefined) {
      issues.push({
        path: `${path}.database`,
        message: `"${workload.database}" access needs a database; declare ${system.name}.database`,
      });
    }
    (workload.topics?.publishes ?? []).forEach((topic, i) => {
      if (!(topic in system.topics)) {
        issues.push({
          path: `${path}.topics.publishes[${i}]`,
          message: `unknown topic "${topic}"; a service publishes only topics its system declares under ${system.name}.topics${didYouMean(topic, Object.keys(system.topics))}`,
        });
      }
    });
    (workload.topics?.consumes ?? []).forEach((consumed, i) => {
      const ref = parseReference(consumed, system.name);
      const owner = byName.get(ref.system);
      if (owner === undefined) {
        if (!unparsed.has(ref.system)) {
          issues.push({
            path: `${path}.topics.consumes[${i}]`,
            message: `unknown system "${ref.system}"${didYouMean(ref.system, byName.keys())}`,
          });
        }
      } else if (!(ref.name in owner.topics)) {
        issues.push({
          path: `${path}.topics.consumes[${i}]`,
          message: `topic "${ref.name}" is not declared by system "${ref.system}"${didYouMean(ref.name, Object.keys(owner.topics))}`,
        });
      } else if (!publishers(owner).has(ref.name)) {
        issues.push({
          path: `${path}.topics.consumes[${i}]`,
          message: `no workload of system "${ref.system}" publishes topic "${ref.name}"; declare it under a service's topics.publishes`,
        });
      }
    });
    for (const [secret, vaultPath] of Object.entries(workload.secrets ?? {})) {
      const problem = typeof vaultPath === 'string' ? secretPathProblem(system.name, vaultPath) : undefined;
      if (problem !== undefined) issues.push({ path: `${path}.secrets.${secret}`, message: problem });
    }
    issues.push(...envIssues(`${path}.env`, workload.env));
  }

  for (const job of Object.keys(system.jobs ?? {})) {
    if (job in system.services) {
      issues.push({
        path: `${system.name}.jobs.${job}`,
        message: `a service is named "${job}" too; a job and a service would share a ServiceAccount, mesh identity and pod selector`,
      });
    }
  }
  if (system.database) {
    for (const name of [...Object.keys(system.services), ...Object.keys(system.jobs ?? {})]) {
      if (name === `${system.name}-db` || name.startsWith(`${system.name}-db-`)) {
        issues.push({
          path: `${system.name}.${name in system.services ? 'services' : 'jobs'}.${name}`,
          message: `"${name}" is reserved for the system's database objects; choose another name`,
        });
      }
    }
  }
  for (const [name, service] of Object.entries(system.services)) {
    const path = `${system.name}.services.${name}`;
    if (service.autoscaling && service.autoscaling.min > service.autoscaling.max) {
      issues.push({
        path: `${path}.autoscaling`,
        message: `min (${service.autoscaling.min}) must not exceed max (${service.autoscaling.max})`,
      });
    }
    if (service.autoscaling && service.replicas !== undefined) {
      issues.push({ path: `${path}.replicas`, message: 'declare either replicas or autoscaling, not both' });
    }
    if (service.metrics?.port !== undefined && service.metrics.port === service.port) {
      issues.push({
        path: `${path}.metrics.port`,
        message: `port ${service.port} is already the service port; leave metrics.port out to serve metrics on it`,
      });
    }
    for (const kind of ['readiness', 'liveness'] as const) {
      const probePort = service.probes?.[kind]?.port;
      if (probePort !== undefined && probePort !== service.port && probePort !== service.metrics?.port) {
        issues.push({
          path: `${path}.probes.${kind}.port`,
          message: `port ${probePort} is not exposed by the service; use ${service.port}${service.metrics?.port ? ` or ${service.metrics.port}` : ''}`,
        });
      }
    }
  }
  return issues;
}

function checkRuleNames(env: Environment, known: readonly string[]): Issue[] {
  return Object.keys(env.policy.rules)
    .filter((rule) => !known.includes(rule))
    .map((rule) => ({
      path: `environments.${env.name}.policy.rules.${rule}`,
      message: `unknown policy rule "${rule}"${didYouMean(rule, known)}; known: ${known.join(', ')}`,
    }));
}

function checkEnvironment(
  env: Environment,
  systems: readonly System[],
  byName: ReadonlyMap<string, System>,
): Issue[] {
  const issues: Issue[] = [];
  const root = `environments.${env.name}`;
  const platformNamespaces = new Set([env.vault.namespace, env.kafka.namespace, env.telemetry.namespace]);
  for (const system of systems) {
    if (platformNamespaces.has(system.name)) {
      issues.push({
        path: `${system.name}.name`,
        message: `"${system.name}" is a platform namespace in environment ${env.name}; choose another system name`,
      });
    }
    for (const [topic, spec] of Object.entries(system.topics ?? {})) {
      const partitions = (spec as { partitions?: number }).partitions ?? 3;
      if (partitions < env.kafka.minPartitions) {
        issues.push({
          path: `${system.name}.topics.${topic}.partitions`,
          message: `${partitions} is below the minimum of ${env.kafka.minPartitions} partitions in environment ${env.name}`,
        });
      }
    }
    if (env.mesh.provider !== 'istio') {
      for (const [serviceName, service] of Object.entries(system.services)) {
        if ((service as { authz?: unknown }).authz === undefined) continue;
        issues.push({
          path: `${system.name}.services.${serviceName}.authz`,
          message: `environment ${env.name} uses ${env.mesh.provider}, which has no external authorization; remove authz or use the istio mesh there`,
        });
      }
    }
    if (env.identityProvider) continue;
    for (const [serviceName, service] of Object.entries(system.services)) {
      (service.routes ?? []).forEach((route, i) => {
        if ((route as { auth?: string }).auth !== 'none') {
          issues.push({
            path: `${system.name}.services.${serviceName}.routes[${i}].auth`,
            message: `environment ${env.name} has no identityProvider to validate JWTs; declare one there, or write auth: 'none' for a public route`,
          });
        }
      });
    }
  }
  for (const [systemName, override] of Object.entries(env.overrides)) {
    for (const [serviceName, serviceOverride] of Object.entries(override.services)) {
      issues.push(
        ...envIssues(`${root}.overrides.${systemName}.services.${serviceName}.env`, serviceOverride.env),
      );
    }
    const system = byName.get(systemName);
    if (system === undefined) {
      issues.push({
        path: `${root}.overrides.${systemName}`,
        message: `unknown system "${systemName}"${didYouMean(systemName, byName.keys())}`,
      });
      continue;
    }
    for (const [serviceName, serviceOverride] of Object.entries(override.services)) {
      const path = `${root}.overrides.${systemName}.services.${serviceName}`;
      if (!(serviceName in system.services)) {
        issues.push({
          path,
          message: `unknown service "${serviceName}" in system "${systemName}"${didYouMean(serviceName, Object.keys(system.services))}`,
        });
      }
      const autoscaling = serviceOverride.autoscaling;
      if (autoscaling && autoscaling.min > autoscaling.max) {
        issues.push({
          path: `${path}.autoscaling`,
          message: `min (${autoscaling.min}) must not exceed max (${autoscaling.max})`,
        });
      }
    }
    if (override.database && system.database === undefined) {
      issues.push({
        path: `${root}.overrides.${systemName}.database`,
        message: `system "${systemName}" declares no database`,
      });
    }
  }

  // Hostnames depend on the environment's domain, so route clashes are per environment.
  const routes = new Map<string, string>();
  for (const system of systems) {
    for (const [serviceName, service] of Object.entries(system.services)) {
      (service.routes ?? []).forEach((route, i) => {
        const host = routeHost(system.name, route.host, env);
        const key = `${host}${canonicalRoutePath(route.path)}`;
        const path = `${system.name}.services.${serviceName}.routes[${i}]`;
        const first = routes.get(key);
        if (first !== undefined) {
          issues.push({
            path,
            message: `route ${key} is already declared by ${first} (environment ${env.name})`,
          });
        } else {
          routes.set(key, path);
        }
      });
    }
  }
  return issues;
}
