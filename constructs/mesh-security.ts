import { Construct } from 'constructs';
import {
  AuthorizationPolicy as LinkerdAuthorizationPolicy,
  MeshTlsAuthentication,
  ServerV1Beta3,
} from './imports/policy.linkerd.io';
import {
  AuthorizationPolicy,
  AuthorizationPolicySpecAction,
  PeerAuthentication,
  PeerAuthenticationSpecMtlsMode,
  type AuthorizationPolicySpecRules,
} from './imports/security.istio.io';
import type { Endpoint, ResolvedService, ResolvedSystem } from '../model';
import { selectorLabels } from './labels';
import { authzClients, OPA_AUTHORIZER } from './opa-authorizer';
import { PLATFORM } from './platform';

export interface MeshSecurityProps {
  readonly system: ResolvedSystem;
}

/**
 * Mesh identity and authorization for one system, from the same call graph as its
 * NetworkPolicies: the network layer decides which pods can connect, the mesh which
 * workload identities (mTLS certificates bound to service accounts) may send requests.
 *
 * Istio: a namespace PeerAuthentication with the environment's mTLS mode, an ALLOW-nothing
 * `deny-all` AuthorizationPolicy (an ALLOW policy with no rules matches no request, so every
 * request not allowed by another policy is denied), and per service an ALLOW policy whose
 * principals are exactly its callers' service accounts, plus the gateway's for routed paths.
 * Services with `authz` get a CUSTOM policy that sends each request first to the external
 * authorizer the environment names (`mesh.extAuthzProvider`), which reaches the system's own
 * OPA (see OpaAuthorizer); that OPA admits exactly those services' identities.
 *
 * Linkerd: the namespace's default inbound policy is `deny` (set on the namespace); each
 * service gets a Server for its port, a MeshTLSAuthentication listing its callers'
 * identities and an AuthorizationPolicy tying the two together.
 */
export class MeshSecurity extends Construct {
  constructor(scope: Construct, id: string, props: MeshSecurityProps) {
    super(scope, id);
    if (props.system.environment.mesh.provider === 'istio') this.istio(props.system);
    else this.linkerd(props.system);
  }

  private istio(system: ResolvedSystem): void {
    const mtls = system.environment.mesh.mtls;
    new PeerAuthentication(this, 'peer-authentication', {
      metadata: { name: 'default' },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode[mtls] } },
    });
    new AuthorizationPolicy(this, 'deny-all', { metadata: { name: 'deny-all' }, spec: {} });
    for (const service of system.services) {
      const rules = istioRules(service);
      if (rules.length > 0) {
        new AuthorizationPolicy(this, `${service.name}-allow`, {
          metadata: { name: `${service.name}-allow` },
          spec: {
            selector: { matchLabels: selectorLabels(service.name) },
            action: AuthorizationPolicySpecAction.ALLOW,
            rules,
          },
        });
      }
      if (service.authz) {
        new AuthorizationPolicy(this, `${service.name}-opa`, {
          metadata: { name: `${service.name}-opa` },
          spec: {
            selector: { matchLabels: selectorLabels(service.name) },
            action: AuthorizationPolicySpecAction.CUSTOM,
            provider: { name: system.environment.mesh.extAuthzProvider },
            rules: [{ to: [{ operation: { ports: [String(service.port)] } }] }],
          },
        });
      }
    }
    const clients = authzClients(system);
    if (clients.length > 0) {
      // The checks come from the clients' sidecars, under the clients' own identities.
      new AuthorizationPolicy(this, `${OPA_AUTHORIZER.name}-allow`, {
        metadata: { name: `${OPA_AUTHORIZER.name}-allow` },
        spec: {
          selector: { matchLabels: selectorLabels(OPA_AUTHORIZER.name) },
          action: AuthorizationPolicySpecAction.ALLOW,
          rules: [
            {
              from: [
                {
                  source: {
                    principals: clients.map((c) =>
                      istioPrincipal({ namespace: system.namespace, serviceAccount: c.serviceAccount }),
                    ),
                  },
                },
              ],
              to: [{ operation: { ports: [String(OPA_AUTHORIZER.grpcPort)] } }],
            },
          ],
        },
      });
    }
  }

  private linkerd(system: ResolvedSystem): void {
    for (const service of system.services) {
      const identities = [
        ...service.callers.map(linkerdIdentity),
        ...(service.routes.length > 0
          ? [
              linkerdIdentity({
                namespace: PLATFORM.gateway.namespace,
                serviceAccount: PLATFORM.gateway.serviceAccount,
              }),
            ]
          : []),
      ];
      new ServerV1Beta3(this, `${service.name}-server`, {
        metadata: { name: service.name },
        spec: {
          podSelector: { matchLabels: selectorLabels(service.name) },
          port: service.port,
          // Opaque: the proxy relays a tcp service's bytes without looking for HTTP in them.
          proxyProtocol:
            service.protocol === 'grpc' ? 'gRPC' : service.protocol === 'tcp' ? 'opaque' : 'HTTP/2',
        },
      });
      if (identities.length === 0) continue;
      new MeshTlsAuthentication(this, `${service.name}-callers`, {
        metadata: { name: `${service.name}-callers` },
        spec: { identities },
      });
      new LinkerdAuthorizationPolicy(this, `${service.name}-allow`, {
        metadata: { name: `${service.name}-allow` },
        spec: {
          targetRef: { group: 'policy.linkerd.io', kind: 'Server', name: service.name },
          requiredAuthenticationRefs: [
            { group: 'policy.linkerd.io', kind: 'MeshTLSAuthentication', name: `${service.name}-callers` },
          ],
        },
      });
    }
  }
}

/** SPIFFE-style principal Istio gives a workload: trust domain, namespace, service account. */
/** The identity Prometheus scrapes with (the add-ons stack names its service account so). */
const PROMETHEUS = {
  namespace: PLATFORM.monitoring.namespace,
  serviceAccount: PLATFORM.monitoring.prometheusServiceAccount,
};

export function istioPrincipal(ep: Pick<Endpoint, 'namespace' | 'serviceAccount'>): string {
  return `cluster.local/ns/${ep.namespace}/sa/${ep.serviceAccount}`;
}

function linkerdIdentity(ep: Pick<Endpoint, 'namespace' | 'serviceAccount'>): string {
  return `${ep.serviceAccount}.${ep.namespace}.serviceaccount.identity.linkerd.cluster.local`;
}

function istioRules(service: ResolvedService): AuthorizationPolicySpecRules[] {
  const port = String(service.port);
  const rules: AuthorizationPolicySpecRules[] = [];
  if (service.callers.length > 0) {
    rules.push({
      from: [{ source: { principals: service.callers.map(istioPrincipal) } }],
      to: [{ operation: { ports: [port] } }],
    });
  }
  const gateway = istioPrincipal({
    namespace: PLATFORM.gateway.namespace,
    serviceAccount: PLATFORM.gateway.serviceAccount,
  });
  for (const route of service.routes) {
    rules.push({
      from: [{ source: { principals: [gateway] } }],
      to: [
        {
          operation: {
            // Gateway API ignores a trailing slash in a path prefix (`/v1/` matches `/v1`); so must the mesh.
            paths: [route.path.replace(/\/+$/, '') || '/', `${route.path.replace(/\/+$/, '')}/*`],
            ports: [port],
            ...(route.methods ? { methods: [...route.methods] } : {}),
          },
        },
      ],
    });
  }
  // Only Prometheus reads metrics: its sidecar's certificate carries its service account, as
  // every caller's does (a rule without `from` would let every workload in the mesh read them).
  if (service.metrics)
    rules.push({
      from: [{ source: { principals: [istioPrincipal(PROMETHEUS)] } }],
      to: [{ operation: { ports: [String(service.metrics.port)], paths: [service.metrics.path] } }],
    });
  return rules;
}
