/**
 * Names syskit builds from declared names, for objects that live in places systems share: the
 * environment's Kafka and Vault, the cluster's namespaces, a system namespace shared by its
 * services. They join names with "-", which names contain too, so two different declarations
 * can arrive at the same string (`pay` + `ments-api` and `pay-ments` + `api`); `checkIsolation`
 * (./isolation.ts) refuses every such pair before anything is written. Constructs call these
 * functions rather than formatting names themselves, so the check and the output never disagree.
 */

/**
 * The name a workload goes by in the environment's shared systems: its Kafka user and consumer
 * group, its Vault Kubernetes-auth role and policy. It carries the namespace, not the system
 * name, so an ephemeral environment's workloads (namespace `<system>-<env>`) never take the
 * base environment's identities.
 */
export function sharedWorkloadName(namespace: string, workload: string): string {
  return `${namespace}-${workload}`;
}

/** Longest name of an HTTPRoute, leaving room for the KongPlugin suffixes (`-rate-limit`). */
const MAX_ROUTE_NAME = 40;

/** `orders-v1-orders`: the service and the path, readable and stable; `orders-root` for `/`. */
export function routeName(service: string, path: string): string {
  const slug = path
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
  const base = slug ? `${service}-${slug}` : `${service}-root`;
  return base.length > MAX_ROUTE_NAME ? base.slice(0, MAX_ROUTE_NAME).replace(/-$/, '') : base;
}

/**
 * The HTTPRoute name of each of a service's routes, in declaration order: `routeName`, with the
 * route's index appended when an earlier route of the same service already took that name.
 * Names can still meet another service's in the namespace; `checkIsolation` refuses that.
 */
export function routeObjectNames(service: string, paths: readonly string[]): string[] {
  const used = new Set<string>();
  return paths.map((path, i) => {
    let name = routeName(service, path);
    if (used.has(name)) name = `${name}-${i}`;
    used.add(name);
    return name;
  });
}
