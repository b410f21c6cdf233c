import { sharedWorkloadName, routeObjectNames } from './derived-names';
import type { Environment } from './environment';
import type { Issue } from './issues';
import { RESERVED_NAMESPACES } from './names';
import { namespaceFor } from './naming';
import { canonicalRoutePath } from './route-paths';

/**
 * No system may take another's identity. Every name syskit derives for a place systems share
 * (the cluster's namespaces, the environment's Kafka users and consumer groups, Vault roles and
 * policies, the files of `dist/<env>/`, a namespace's HTTPRoutes) is checked across the whole
 * fleet here, before anything is written; a clash names both declarations.
 */

/** The file of an environment's platform objects (`dist/<env>/platform.yaml`) takes this name. */
export const PLATFORM_NAME = 'platform';

/** Why a system may not take this name, or undefined when it may. */
export function reservedSystemNameProblem(name: string): string | undefined {
  if (name === PLATFORM_NAME) {
    return `"${name}" names the environment's platform objects (dist/<env>/${PLATFORM_NAME}.yaml: gateway, issuers, policies); choose another system name`;
  }
  if ((RESERVED_NAMESPACES as readonly string[]).includes(name) || name.startsWith('kube-')) {
    return `"${name}" is a namespace of Kubernetes or the platform; choose another system name`;
  }
  return undefined;
}

interface WorkloadLike {
  readonly routes?: readonly { readonly path?: unknown }[];
}
interface SystemLike {
  readonly name: string;
  readonly services: Readonly<Record<string, WorkloadLike>>;
  readonly jobs?: Readonly<Record<string, unknown>>;
}

interface Claim {
  readonly at: string;
  /** Who holds it, so the same declaration seen twice is not a clash. */
  readonly owner: string;
}

/** Records claims on names and reports each second claimant against the first. */
class Registry {
  private readonly claims = new Map<string, Claim>();
  constructor(
    private readonly issues: Issue[],
    private readonly describe: (name: string, first: Claim) => string,
  ) {}

  claim(name: string, claim: Claim): void {
    const first = this.claims.get(name);
    if (first === undefined) this.claims.set(name, claim);
    else if (first.owner !== claim.owner)
      this.issues.push({ path: claim.at, message: this.describe(name, first) });
  }
}

function workloads(system: SystemLike): [string, string][] {
  return [
    ...Object.keys(system.services).map((n): [string, string] => [n, `${system.name}.services.${n}`]),
    ...Object.keys(system.jobs ?? {}).map((n): [string, string] => [n, `${system.name}.jobs.${n}`]),
  ];
}

/**
 * Checks the fleet's derived names for clashes: once for long-lived environments (where a
 * system's namespace is its name), and for each ephemeral environment against itself and the
 * long-lived one whose cluster, Kafka and Vault it shares.
 */
export function checkIsolation(
  systems: readonly SystemLike[],
  environments: readonly Environment[],
): Issue[] {
  const issues: Issue[] = [];
  for (const system of systems) {
    const problem = reservedSystemNameProblem(system.name);
    if (problem !== undefined) issues.push({ path: `${system.name}.name`, message: problem });
    routeNameClashes(system, issues);
  }
  sharedNameClashes(systems, undefined, issues);
  for (const env of environments) {
    if (!env.ephemeral) continue;
    ephemeralNamespaceClashes(systems, env, issues);
    sharedNameClashes(systems, env, issues);
  }
  return issues;
}

/**
 * Kafka users and consumer groups, Vault roles and policies: `<namespace>-<workload>`, in one
 * Kafka and one Vault per environment. With an ephemeral environment, its names are claimed
 * after the long-lived ones, and only clashes that involve it are new.
 */
function sharedNameClashes(
  systems: readonly SystemLike[],
  ephemeral: Environment | undefined,
  issues: Issue[],
) {
  const found: Issue[] = [];
  const registry = new Registry(
    found,
    (name, first) =>
      `"${name}" is also the Kafka user, consumer group and Vault role and policy of ${first.at}; the two would share credentials and grants, so rename one of them`,
  );
  const views = ephemeral ? [undefined, ephemeral] : [undefined];
  for (const view of views) {
    for (const system of systems) {
      const namespace = view ? namespaceFor(system.name, view) : system.name;
      const where = view ? ` (environment ${view.name})` : '';
      // A job named like a service of its system is reported by the fleet check already.
      const seen = new Set<string>();
      for (const [name, at] of workloads(system)) {
        if (seen.has(name)) continue;
        seen.add(name);
        registry.claim(sharedWorkloadName(namespace, name), {
          at: `${at}${where}`,
          owner: `${at}${where}`,
        });
      }
    }
  }
  issues.push(
    ...(ephemeral ? found.filter((i) => i.path.endsWith(`(environment ${ephemeral.name})`)) : found),
  );
}

/** An ephemeral environment's namespaces, `<system>-<env>`, beside the long-lived ones (system names). */
function ephemeralNamespaceClashes(systems: readonly SystemLike[], env: Environment, issues: Issue[]) {
  const longLived = new Set(systems.map((s) => s.name));
  for (const system of systems) {
    const namespace = namespaceFor(system.name, env);
    const at = `${system.name}.name`;
    if (longLived.has(namespace)) {
      issues.push({
        path: at,
        message: `namespace "${namespace}" of this system in ephemeral environment ${env.name} is the namespace of system "${namespace}" (${namespace}.name); choose another environment name`,
      });
    } else if (reservedSystemNameProblem(namespace) !== undefined) {
      issues.push({
        path: at,
        message: `namespace "${namespace}" of this system in ephemeral environment ${env.name} is reserved for Kubernetes or the platform; choose another environment name`,
      });
    }
  }
}

/** HTTPRoutes (and their KongPlugins, named after them) of all services share the system namespace. */
function routeNameClashes(system: SystemLike, issues: Issue[]) {
  const registry = new Registry(
    issues,
    (name, first) =>
      `its HTTPRoute would be named "${name}" like the one of ${first.at} in the same namespace, and one would replace the other; change one of the paths`,
  );
  for (const [serviceName, service] of Object.entries(system.services)) {
    const routes = (service.routes ?? []).filter((r) => typeof r.path === 'string');
    const names = routeObjectNames(
      serviceName,
      routes.map((r) => canonicalRoutePath(r.path as string)),
    );
    names.forEach((name, i) => {
      const index = (service.routes ?? []).indexOf(routes[i]);
      registry.claim(name, {
        at: `${system.name}.services.${serviceName}.routes[${index}]`,
        owner: `${system.name}.services.${serviceName}.routes[${index}]`,
      });
    });
  }
}
