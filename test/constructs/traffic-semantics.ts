/**
 * Small evaluators of what synthesized manifests let through, written from the APIs' documented
 * semantics rather than from how syskit builds its objects, so tests can ask "may this pod reach
 * that one" instead of comparing object shapes:
 *
 * - Kubernetes NetworkPolicy (networking.k8s.io/v1): a connection needs both the source's egress
 *   and the destination's ingress to allow it;
 * - Istio AuthorizationPolicy (security.istio.io/v1): CUSTOM, then DENY, then ALLOW;
 * - Linkerd Server / AuthorizationPolicy / MeshTLSAuthentication (policy.linkerd.io).
 *
 * Anything the evaluators do not model (ipBlock peers, Istio `when` conditions, hosts, Linkerd
 * NetworkAuthentication, ...) throws instead of guessing, so a construct that starts using such a
 * field fails loudly here and the evaluator gets extended deliberately.
 */

export type Labels = Readonly<Record<string, string>>;

export interface Pod {
  readonly namespace: string;
  /** The Deployment or CronJob it comes from, or a made-up name for pods outside the manifests. */
  readonly name: string;
  readonly labels: Labels;
  readonly serviceAccount: string;
  readonly ports: readonly {
    readonly name?: string;
    readonly containerPort: number;
    readonly protocol?: string;
  }[];
}

/** The synthesized objects of a fleet, and the namespaces and pods they describe. */
export interface Cluster {
  readonly objects: readonly any[];
  /** Namespace name to its labels, including `kubernetes.io/metadata.name`. */
  readonly namespaces: ReadonlyMap<string, Labels>;
  /** Pods of the Deployments and CronJobs among the objects, plus any extra pods given. */
  readonly pods: readonly Pod[];
}

/** The label the API server sets on every namespace. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Istio's root namespace: policies there apply mesh-wide. */
const ISTIO_ROOT_NAMESPACE = 'istio-system';

export function clusterOf(objects: readonly any[], extraPods: readonly Pod[] = []): Cluster {
  const namespaces = new Map<string, Labels>();
  for (const o of objects) {
    if (o.kind === 'Namespace') {
      namespaces.set(o.metadata.name, { ...o.metadata.labels, [NAMESPACE_NAME_LABEL]: o.metadata.name });
    }
  }
  const pods: Pod[] = [];
  for (const o of objects) {
    const template =
      o.kind === 'Deployment'
        ? o.spec.template
        : o.kind === 'CronJob'
          ? o.spec.jobTemplate.spec.template
          : o.kind === 'Pod'
            ? o
            : undefined;
    if (!template) continue;
    pods.push({
      namespace: required(o.metadata.namespace, `${o.kind}/${o.metadata.name} has no namespace`),
      name: o.metadata.name,
      labels: template.metadata?.labels ?? {},
      serviceAccount: template.spec.serviceAccountName ?? 'default',
      ports: (template.spec.containers ?? []).flatMap((c: any) => c.ports ?? []),
    });
  }
  pods.push(...extraPods);
  for (const pod of pods) {
    if (!namespaces.has(pod.namespace))
      namespaces.set(pod.namespace, { [NAMESPACE_NAME_LABEL]: pod.namespace });
  }
  return { objects, namespaces, pods };
}

function required<T>(value: T | undefined, message: string): T {
  if (value === undefined) throw new Error(message);
  return value;
}

function onlyKeys(what: string, object: object, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) throw new Error(`${what}: "${key}" is not modelled by the evaluator`);
  }
}

/** metav1.LabelSelector: matchLabels and matchExpressions, all ANDed; `{}` selects everything. */
export function labelSelectorMatches(selector: any, labels: Labels): boolean {
  onlyKeys('label selector', selector, ['matchLabels', 'matchExpressions']);
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[key] !== value) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const ok =
      e.operator === 'In'
        ? has && e.values.includes(labels[e.key])
        : e.operator === 'NotIn'
          ? !has || !e.values.includes(labels[e.key])
          : e.operator === 'Exists'
            ? has
            : e.operator === 'DoesNotExist'
              ? !has
              : fail(`label selector operator ${e.operator}`);
    if (!ok) return false;
  }
  return true;
}

function fail(what: string): never {
  throw new Error(`${what} is not modelled by the evaluator`);
}

// ---------------------------------------------------------------------------------------------
// Kubernetes NetworkPolicy

type Direction = 'Ingress' | 'Egress';

const networkPolicyCache = new WeakMap<Cluster, any[]>();

function networkPolicies(cluster: Cluster): any[] {
  let found = networkPolicyCache.get(cluster);
  if (!found) {
    found = cluster.objects.filter(
      (o) => o.kind === 'NetworkPolicy' && o.apiVersion === 'networking.k8s.io/v1',
    );
    networkPolicyCache.set(cluster, found);
  }
  return found;
}

/** `policyTypes` defaults to Ingress, plus Egress when the policy has egress rules. */
function policyTypes(np: any): Direction[] {
  return np.spec.policyTypes ?? ['Ingress', ...(np.spec.egress ? (['Egress'] as const) : [])];
}

function peerMatches(cluster: Cluster, peer: any, policyNamespace: string, pod: Pod): boolean {
  onlyKeys('NetworkPolicy peer', peer, ['podSelector', 'namespaceSelector', 'ipBlock']);
  if (peer.ipBlock) fail('NetworkPolicy ipBlock peer');
  if (peer.podSelector === undefined && peer.namespaceSelector === undefined) {
    throw new Error('a NetworkPolicy peer must set podSelector or namespaceSelector');
  }
  // Without a namespaceSelector a peer means the policy's own namespace; with one, the
  // namespaces it selects. Without a podSelector, every pod of those namespaces.
  const namespaceOk =
    peer.namespaceSelector === undefined
      ? pod.namespace === policyNamespace
      : labelSelectorMatches(peer.namespaceSelector, cluster.namespaces.get(pod.namespace)!);
  const podOk = peer.podSelector === undefined || labelSelectorMatches(peer.podSelector, pod.labels);
  return namespaceOk && podOk;
}

/** No ports means every port; a port entry without `port` means every port of its protocol. */
function networkPortMatches(
  ports: any[] | undefined,
  port: number,
  protocol: string,
  destination: Pod,
): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    onlyKeys('NetworkPolicy port', p, ['protocol', 'port', 'endPort']);
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'string') {
      const named = destination.ports.find((c) => c.name === p.port && (c.protocol ?? 'TCP') === protocol);
      return named !== undefined && named.containerPort === port;
    }
    return p.endPort === undefined ? p.port === port : port >= p.port && port <= p.endPort;
  });
}

/**
 * Whether `selected`'s own policies let the connection through in one direction: allowed when no
 * policy of its namespace selects it for that direction, else when some rule of such a policy
 * matches the peer (no peers means every peer) and the destination port.
 */
function sideAllows(
  cluster: Cluster,
  direction: Direction,
  selected: Pod,
  peer: Pod,
  destination: Pod,
  port: number,
  protocol: string,
): boolean {
  const policies = networkPolicies(cluster).filter(
    (np) =>
      required(np.metadata.namespace, `NetworkPolicy ${np.metadata.name} has no namespace`) ===
        selected.namespace &&
      labelSelectorMatches(np.spec.podSelector, selected.labels) &&
      policyTypes(np).includes(direction),
  );
  if (policies.length === 0) return true;
  return policies.some((np) => {
    const rules: any[] = (direction === 'Egress' ? np.spec.egress : np.spec.ingress) ?? [];
    return rules.some((rule) => {
      onlyKeys(`NetworkPolicy ${direction} rule`, rule, ['to', 'from', 'ports']);
      const peers: any[] | undefined = direction === 'Egress' ? rule.to : rule.from;
      const peerOk =
        !peers ||
        peers.length === 0 ||
        peers.some((p) => peerMatches(cluster, p, np.metadata.namespace, peer));
      return peerOk && networkPortMatches(rule.ports, port, protocol, destination);
    });
  });
}

/** May `source` open a connection to `destination` on `port`? Both ends' policies must agree. */
export function networkAllows(
  cluster: Cluster,
  source: Pod,
  destination: Pod,
  port: number,
  protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP',
): boolean {
  return (
    sideAllows(cluster, 'Egress', source, destination, destination, port, protocol) &&
    sideAllows(cluster, 'Ingress', destination, source, destination, port, protocol)
  );
}

// ---------------------------------------------------------------------------------------------
// Istio AuthorizationPolicy

export interface MeshRequest {
  /** The peer's mTLS principal, like `cluster.local/ns/shop/sa/orders`; undefined for plaintext. */
  readonly principal?: string;
  readonly port: number;
  readonly path: string;
  readonly method: string;
}

/** Istio string matching: exact, `prefix*`, `*suffix`, or `*` for any non-empty value. */
export function istioStringMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

const anyOf = (patterns: readonly string[], value: string | undefined) =>
  value !== undefined && patterns.some((p) => istioStringMatches(p, value));

function principalNamespace(principal: string | undefined): string | undefined {
  return principal?.match(/^[^/]+\/ns\/([^/]+)\/sa\/[^/]+$/)?.[1];
}

function sourceMatches(source: any, request: MeshRequest): boolean {
  onlyKeys('Istio source', source, ['principals', 'notPrincipals', 'namespaces', 'notNamespaces']);
  const ns = principalNamespace(request.principal);
  if (source.principals && !anyOf(source.principals, request.principal)) return false;
  if (source.notPrincipals && anyOf(source.notPrincipals, request.principal)) return false;
  if (source.namespaces && !anyOf(source.namespaces, ns)) return false;
  if (source.notNamespaces && anyOf(source.notNamespaces, ns)) return false;
  return true;
}

function operationMatches(operation: any, request: MeshRequest): boolean {
  onlyKeys('Istio operation', operation, ['ports', 'notPorts', 'paths', 'notPaths', 'methods', 'notMethods']);
  const port = String(request.port);
  if (operation.ports && !operation.ports.includes(port)) return false;
  if (operation.notPorts && operation.notPorts.includes(port)) return false;
  if (operation.paths && !anyOf(operation.paths, request.path)) return false;
  if (operation.notPaths && anyOf(operation.notPaths, request.path)) return false;
  if (operation.methods && !anyOf(operation.methods, request.method)) return false;
  if (operation.notMethods && anyOf(operation.notMethods, request.method)) return false;
  return true;
}

/** A rule matches when any of its sources and any of its operations match; absent means any. */
function istioRuleMatches(rule: any, request: MeshRequest): boolean {
  onlyKeys('Istio rule', rule, ['from', 'to']);
  const fromOk =
    !rule.from ||
    rule.from.length === 0 ||
    rule.from.some((f: any) => sourceMatches(f.source ?? {}, request));
  const toOk =
    !rule.to ||
    rule.to.length === 0 ||
    rule.to.some((t: any) => operationMatches(t.operation ?? {}, request));
  return fromOk && toOk;
}

function istioSelects(policy: any, pod: Pod): boolean {
  onlyKeys(`AuthorizationPolicy ${policy.metadata.name} spec`, policy.spec, [
    'selector',
    'action',
    'rules',
    'provider',
  ]);
  const ns = policy.metadata.namespace;
  if (ns !== pod.namespace && ns !== ISTIO_ROOT_NAMESPACE) return false;
  return policy.spec.selector === undefined || labelSelectorMatches(policy.spec.selector, pod.labels);
}

const istioCache = new WeakMap<Cluster, WeakMap<Pod, any[]>>();

/** The Istio AuthorizationPolicies that apply to a pod (computed once per cluster and pod). */
function istioPoliciesSelecting(cluster: Cluster, pod: Pod): any[] {
  let perPod = istioCache.get(cluster);
  if (!perPod) {
    perPod = new WeakMap();
    istioCache.set(cluster, perPod);
  }
  let found = perPod.get(pod);
  if (!found) {
    found = cluster.objects.filter(
      (o) =>
        o.kind === 'AuthorizationPolicy' &&
        o.apiVersion.startsWith('security.istio.io/') &&
        istioSelects(o, pod),
    );
    perPod.set(pod, found);
  }
  return found;
}

/** The policies that would match, by action: a policy without rules matches nothing. */
function matching(policies: any[], request: MeshRequest): any[] {
  return policies.filter((p) => (p.spec.rules ?? []).some((r: any) => istioRuleMatches(r, request)));
}

/**
 * Does Istio let `request` reach `destination`? CUSTOM policies delegate to an external
 * authorizer, which can only refuse more, so they are reported separately and not decided here;
 * then any matching DENY refuses; then, when some ALLOW policy selects the workload, one of them
 * must match; with no ALLOW policy at all, everything is allowed.
 */
export function istioAllows(cluster: Cluster, destination: Pod, request: MeshRequest): boolean {
  const policies = istioPoliciesSelecting(cluster, destination);
  const byAction = (action: string) => policies.filter((p) => (p.spec.action ?? 'ALLOW') === action);
  for (const p of policies) {
    if (!['ALLOW', 'DENY', 'CUSTOM', 'AUDIT'].includes(p.spec.action ?? 'ALLOW'))
      fail(`action ${p.spec.action}`);
  }
  if (matching(byAction('DENY'), request).length > 0) return false;
  const allow = byAction('ALLOW');
  return allow.length === 0 || matching(allow, request).length > 0;
}

/** The CUSTOM (external authorizer) policies a request to `destination` would be sent through. */
export function istioCustomProviders(cluster: Cluster, destination: Pod, request: MeshRequest): string[] {
  const custom = istioPoliciesSelecting(cluster, destination).filter((o) => o.spec.action === 'CUSTOM');
  return matching(custom, request).map((p) => p.spec.provider.name);
}

// ---------------------------------------------------------------------------------------------
// Linkerd

const LINKERD_GROUP = 'policy.linkerd.io';

/** Linkerd's identity for a service account: `<sa>.<ns>.serviceaccount.identity.linkerd.cluster.local`. */
export function linkerdIdentity(namespace: string, serviceAccount: string): string {
  return `${serviceAccount}.${namespace}.serviceaccount.identity.linkerd.cluster.local`;
}

const linkerdObjects = (cluster: Cluster, kind: string, namespace: string) =>
  cluster.objects.filter(
    (o) =>
      o.kind === kind && o.apiVersion.startsWith(`${LINKERD_GROUP}/`) && o.metadata.namespace === namespace,
  );

/** `*` matches any identity; `*.suffix` any identity ending in `.suffix`. */
function linkerdIdentityMatches(pattern: string, identity: string): boolean {
  if (pattern === '*') return true;
  if (pattern.startsWith('*.')) return identity.endsWith(pattern.slice(1));
  return pattern === identity;
}

/** The MeshTLSAuthentication identities the authorization of `destination`'s Server on `port` names. */
export function linkerdServerFor(cluster: Cluster, destination: Pod, port: number): any | undefined {
  const servers = linkerdObjects(cluster, 'Server', destination.namespace).filter((s) => {
    onlyKeys(`Server ${s.metadata.name} spec`, s.spec, ['podSelector', 'port', 'proxyProtocol']);
    const portOk =
      typeof s.spec.port === 'number'
        ? s.spec.port === port
        : destination.ports.some((c) => c.name === s.spec.port && c.containerPort === port);
    return portOk && labelSelectorMatches(s.spec.podSelector, destination.labels);
  });
  if (servers.length > 1) throw new Error(`several Servers select ${destination.name}:${port}`);
  return servers[0];
}

/**
 * Does Linkerd's proxy in front of `destination` accept a connection on `port` from `identity`
 * (undefined: no mTLS identity)? A port with a Server is denied unless an AuthorizationPolicy
 * targeting that Server (or the namespace) has all its required authentications satisfied; a
 * port without one falls back to the namespace's default inbound policy.
 */
export function linkerdAllows(
  cluster: Cluster,
  destination: Pod,
  port: number,
  identity: string | undefined,
): boolean {
  const server = linkerdServerFor(cluster, destination, port);
  if (!server) {
    const ns = cluster.objects.find(
      (o) => o.kind === 'Namespace' && o.metadata.name === destination.namespace,
    );
    const policy =
      ns?.metadata.annotations?.['config.linkerd.io/default-inbound-policy'] ?? 'all-unauthenticated';
    if (policy === 'deny') return false;
    if (policy === 'all-unauthenticated' || policy === 'cluster-unauthenticated') return true;
    if (policy === 'all-authenticated' || policy === 'cluster-authenticated') return identity !== undefined;
    return fail(`default inbound policy ${policy}`);
  }
  const policies = linkerdObjects(cluster, 'AuthorizationPolicy', destination.namespace).filter((p) => {
    const t = p.spec.targetRef;
    return (
      (t.group === LINKERD_GROUP && t.kind === 'Server' && t.name === server.metadata.name) ||
      (t.group === 'core' && t.kind === 'Namespace' && t.name === destination.namespace) ||
      (t.kind !== 'Server' && t.kind !== 'Namespace' && fail(`AuthorizationPolicy target ${t.kind}`))
    );
  });
  return policies.some((p) =>
    (p.spec.requiredAuthenticationRefs ?? []).every((ref: any) => {
      if (ref.kind === 'ServiceAccount') {
        const ns = ref.namespace ?? destination.namespace;
        return identity === linkerdIdentity(ns, ref.name);
      }
      if (ref.kind !== 'MeshTLSAuthentication') return fail(`authentication ${ref.kind}`);
      const auth = linkerdObjects(
        cluster,
        'MeshTLSAuthentication',
        ref.namespace ?? destination.namespace,
      ).find((a) => a.metadata.name === ref.name);
      if (!auth) return false;
      onlyKeys(`MeshTLSAuthentication ${ref.name} spec`, auth.spec, ['identities']);
      return (
        identity !== undefined &&
        (auth.spec.identities ?? []).some((i: string) => linkerdIdentityMatches(i, identity))
      );
    }),
  );
}

/** Every identity pattern the MeshTLSAuthentications authorizing `destination` on `port` list. */
export function linkerdAuthorizedIdentities(cluster: Cluster, destination: Pod, port: number): string[] {
  const server = linkerdServerFor(cluster, destination, port);
  if (!server) return [];
  const names = linkerdObjects(cluster, 'AuthorizationPolicy', destination.namespace)
    .filter((p) => p.spec.targetRef.kind === 'Server' && p.spec.targetRef.name === server.metadata.name)
    .flatMap((p) => p.spec.requiredAuthenticationRefs ?? [])
    .filter((r: any) => r.kind === 'MeshTLSAuthentication')
    .map((r: any) => r.name);
  return linkerdObjects(cluster, 'MeshTLSAuthentication', destination.namespace)
    .filter((a) => names.includes(a.metadata.name))
    .flatMap((a) => a.spec.identities ?? []);
}

// ---------------------------------------------------------------------------------------------
// Gateway API

/**
 * HTTPRoute `PathPrefix` semantics: matched element by element, a trailing `/` in the prefix
 * ignored, so `/abc` and `/abc/` both match `/abc`, `/abc/` and `/abc/def`, never `/abcd`.
 */
export function pathPrefixMatches(prefix: string, path: string): boolean {
  const p = prefix.replace(/\/+$/, '');
  return p === '' || path === p || path.startsWith(`${p}/`);
}
