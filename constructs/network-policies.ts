import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  isCidr,
  type Endpoint,
  type Environment,
  type ResolvedService,
  type ResolvedSystem,
  type ResolvedWorkload,
} from '../model';
import { selectorLabels } from './labels';
import { needsVault } from './vault-policy';
import { authzClients, OPA_AUTHORIZER } from './opa-authorizer';
import { PLATFORM, PLATFORM_PORTS } from './platform';

type Peer = kplus.k8s.NetworkPolicyPeer;
type Port = kplus.k8s.NetworkPolicyPort;

export interface SystemNetworkPoliciesProps {
  readonly system: ResolvedSystem;
}

/** CloudNativePG labels its instance pods with the cluster name, and pooler pods with the pooler's. */
export const DATABASE_POD_LABEL = 'cnpg.io/cluster';
export const POOLER_POD_LABEL = 'cnpg.io/poolerName';

/**
 * NetworkPolicies derived from what the system declares, on top of the namespace's
 * default-deny. Policies are additive, so each declared flow is its own rule and nothing else
 * gets through:
 *
 * - ingress to a service: from each declared caller (pod and namespace), from the gateway's
 *   namespace when the service has routes, and from Prometheus to the metrics port;
 * - egress from a workload: to each service it calls, its system's database (or pooler),
 *   Kafka when it publishes or consumes, Vault when it reads secrets or database credentials,
 *   the telemetry collector, and the mesh control plane its sidecar needs;
 * - the database: from the workloads that declared access, the operator and Prometheus;
 * - the system's OPA authorizer: from the services with `authz`, whose sidecars ask it about
 *   each request (and their egress to it), and out only to the mesh control plane.
 *
 * A caller in another namespace needs the matching egress rule in its own system; both come
 * from the same `calls` declaration, so the two sides never disagree.
 */
export class SystemNetworkPolicies extends Construct {
  constructor(scope: Construct, id: string, props: SystemNetworkPoliciesProps) {
    super(scope, id);
    const system = props.system;
    for (const service of system.services) this.ingressFor(service);
    for (const workload of [...system.services, ...system.jobs]) this.egressFor(system, workload);
    if (system.database) this.database(system);
    const clients = authzClients(system);
    if (clients.length > 0) this.authorizer(system, clients);
  }

  private ingressFor(service: ResolvedService): void {
    const rules: kplus.k8s.NetworkPolicyIngressRule[] = [];
    const servicePort = [tcp(service.port)];
    for (const caller of service.callers)
      rules.push({ from: [podIn(caller.namespace, caller.service)], ports: servicePort });
    if (service.routes.length > 0)
      rules.push({ from: [namespace(PLATFORM.gateway.namespace)], ports: servicePort });
    if (service.metrics)
      rules.push({ from: [namespace(PLATFORM.monitoring.namespace)], ports: [tcp(service.metrics.port)] });
    if (rules.length === 0) return;
    new kplus.k8s.KubeNetworkPolicy(this, `${service.name}-ingress`, {
      metadata: { name: `${service.name}-ingress` },
      spec: {
        podSelector: { matchLabels: selectorLabels(service.name) },
        policyTypes: ['Ingress'],
        ingress: rules,
      },
    });
  }

  private egressFor(system: ResolvedSystem, workload: ResolvedWorkload): void {
    const env = system.environment;
    const rules: kplus.k8s.NetworkPolicyEgressRule[] = workload.calls.map((callee: Endpoint) => ({
      to: [podIn(callee.namespace, callee.service)],
      ports: [tcp(callee.port)],
    }));
    // The sidecar in front of a service with authz asks the system's OPA about each request.
    if ('authz' in workload && workload.authz) {
      rules.push({
        to: [podIn(system.namespace, OPA_AUTHORIZER.name)],
        ports: [tcp(OPA_AUTHORIZER.grpcPort)],
      });
    }
    if (workload.database && system.database) {
      const db = system.database;
      const to: Peer[] = [{ podSelector: { matchLabels: { [DATABASE_POD_LABEL]: db.clusterName } } }];
      if (env.database.pooler)
        to.push({ podSelector: { matchLabels: { [POOLER_POD_LABEL]: `${db.clusterName}-pooler` } } });
      rules.push({ to, ports: [tcp(PLATFORM_PORTS.postgres)] });
    }
    if (workload.publishes.length > 0 || workload.consumes.length > 0) {
      rules.push({ to: [namespace(env.kafka.namespace)], ports: [tcp(PLATFORM_PORTS.kafkaTls)] });
    }
    if (needsVault(workload)) {
      rules.push({ to: [namespace(env.vault.namespace)], ports: [tcp(PLATFORM_PORTS.vault)] });
    }
    rules.push({ to: [namespace(env.telemetry.namespace)], ports: [tcp(PLATFORM_PORTS.otlpGrpc)] });
    for (const e of workload.egress) rules.push(outsideRule(env, e.host, e.port));
    if (env.mesh.provider === 'istio') {
      rules.push({ to: [namespace(PLATFORM.mesh.istioNamespace)], ports: [tcp(PLATFORM_PORTS.istiod)] });
    } else {
      rules.push({
        to: [namespace(PLATFORM.mesh.linkerdNamespace)],
        ports: [
          tcp(PLATFORM_PORTS.linkerdDestination),
          tcp(PLATFORM_PORTS.linkerdIdentity),
          tcp(PLATFORM_PORTS.linkerdPolicy),
        ],
      });
    }
    new kplus.k8s.KubeNetworkPolicy(this, `${workload.name}-egress`, {
      metadata: { name: `${workload.name}-egress` },
      spec: {
        podSelector: { matchLabels: selectorLabels(workload.name) },
        policyTypes: ['Egress'],
        egress: rules,
      },
    });
  }

  /**
   * The system's OPA: checks only from the sidecars of the services that use it, and out only
   * to the mesh control plane (DNS is open namespace-wide); it fetches no bundles or data.
   */
  private authorizer(system: ResolvedSystem, clients: readonly ResolvedService[]): void {
    const podSelector = { matchLabels: selectorLabels(OPA_AUTHORIZER.name) };
    new kplus.k8s.KubeNetworkPolicy(this, `${OPA_AUTHORIZER.name}-ingress`, {
      metadata: { name: `${OPA_AUTHORIZER.name}-ingress` },
      spec: {
        podSelector,
        policyTypes: ['Ingress'],
        ingress: clients.map((client) => ({
          from: [podIn(system.namespace, client.name)],
          ports: [tcp(OPA_AUTHORIZER.grpcPort)],
        })),
      },
    });
    new kplus.k8s.KubeNetworkPolicy(this, `${OPA_AUTHORIZER.name}-egress`, {
      metadata: { name: `${OPA_AUTHORIZER.name}-egress` },
      spec: {
        podSelector,
        policyTypes: ['Egress'],
        egress: [{ to: [namespace(PLATFORM.mesh.istioNamespace)], ports: [tcp(PLATFORM_PORTS.istiod)] }],
      },
    });
  }

  private database(system: ResolvedSystem): void {
    const db = system.database!;
    const clients = [...system.services, ...system.jobs].filter((w) => w.database);
    const pooler = system.environment.database.pooler;
    const clientPeers: Peer[] = clients.map((c) => ({
      podSelector: { matchLabels: selectorLabels(c.name) },
    }));
    if (pooler)
      clientPeers.push({ podSelector: { matchLabels: { [POOLER_POD_LABEL]: `${db.clusterName}-pooler` } } });
    const instances: Peer = { podSelector: { matchLabels: { [DATABASE_POD_LABEL]: db.clusterName } } };
    const ingress: kplus.k8s.NetworkPolicyIngressRule[] = [
      // Replication between instances, and the operator's status checks on the instance manager.
      { from: [instances], ports: [tcp(PLATFORM_PORTS.postgres), tcp(8000)] },
      {
        from: [namespace(PLATFORM.database.operatorNamespace)],
        ports: [tcp(PLATFORM_PORTS.postgres), tcp(8000)],
      },
      { from: [namespace(PLATFORM.monitoring.namespace)], ports: [tcp(9187)] },
      // Vault's database engine creates and revokes the short-lived credentials services use.
      { from: [namespace(system.environment.vault.namespace)], ports: [tcp(PLATFORM_PORTS.postgres)] },
    ];
    if (clientPeers.length > 0) ingress.unshift({ from: clientPeers, ports: [tcp(PLATFORM_PORTS.postgres)] });
    new kplus.k8s.KubeNetworkPolicy(this, 'database-ingress', {
      metadata: { name: `${db.clusterName}-ingress` },
      spec: {
        podSelector: { matchLabels: { [DATABASE_POD_LABEL]: db.clusterName } },
        policyTypes: ['Ingress'],
        ingress,
      },
    });
    new kplus.k8s.KubeNetworkPolicy(this, 'database-egress', {
      metadata: { name: `${db.clusterName}-egress` },
      spec: {
        podSelector: { matchLabels: { [DATABASE_POD_LABEL]: db.clusterName } },
        policyTypes: ['Egress'],
        egress: [
          { to: [instances], ports: [tcp(PLATFORM_PORTS.postgres), tcp(8000)] },
          // The instance manager talks to the Kubernetes API and backups go to object storage;
          // neither has a stable in-cluster address, so these two are open by port only.
          { ports: [tcp(443), tcp(6443)] },
        ],
      },
    });
    if (pooler) {
      new kplus.k8s.KubeNetworkPolicy(this, 'pooler-ingress', {
        metadata: { name: `${db.clusterName}-pooler-ingress` },
        spec: {
          podSelector: { matchLabels: { [POOLER_POD_LABEL]: `${db.clusterName}-pooler` } },
          policyTypes: ['Ingress', 'Egress'],
          ingress: [
            ...(clients.length > 0
              ? [
                  {
                    from: clients.map((c) => ({ podSelector: { matchLabels: selectorLabels(c.name) } })),
                    ports: [tcp(PLATFORM_PORTS.pgbouncer)],
                  },
                ]
              : []),
            { from: [namespace(PLATFORM.database.operatorNamespace)], ports: [tcp(8000)] },
            { from: [namespace(PLATFORM.monitoring.namespace)], ports: [tcp(9127)] },
          ],
          egress: [
            { to: [instances], ports: [tcp(PLATFORM_PORTS.postgres)] },
            { ports: [tcp(443), tcp(6443)] },
          ],
        },
      });
    }
  }
}

/**
 * Egress to a destination outside the cluster, by port: to its block when it is one; otherwise to
 * every address but the cluster's pod and Service ranges where the environment names them (so the
 * rule opens nothing inside the cluster), and by port alone where it does not. A NetworkPolicy
 * cannot name a DNS name; the mesh's entry is what ties the port to the declared host.
 */
function outsideRule(env: Environment, host: string, port: number): kplus.k8s.NetworkPolicyEgressRule {
  if (isCidr(host)) return { to: [{ ipBlock: { cidr: host } }], ports: [tcp(port)] };
  const inside = [...env.cluster.podCidrs, ...env.cluster.serviceCidrs];
  if (inside.length === 0) return { ports: [tcp(port)] };
  const v6 = (c: string) => c.includes(':');
  const everyAddress = (cidr: string, except: string[]): Peer => ({
    ipBlock: except.length > 0 ? { cidr, except } : { cidr },
  });
  const to = [
    everyAddress(
      '0.0.0.0/0',
      inside.filter((c) => !v6(c)),
    ),
  ];
  if (inside.some(v6)) to.push(everyAddress('::/0', inside.filter(v6)));
  return { to, ports: [tcp(port)] };
}

function tcp(port: number): Port {
  return { protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(port) };
}

/** Every namespace has the `kubernetes.io/metadata.name` label, set by the API server itself. */
function namespace(name: string): Peer {
  return { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } };
}

function podIn(ns: string, app: string): Peer {
  return { ...namespace(ns), podSelector: { matchLabels: selectorLabels(app) } };
}
