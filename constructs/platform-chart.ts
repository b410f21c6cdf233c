import { Chart, type ChartProps } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { MANAGED_BY, LABELS, PLATFORM_NAME, type Environment } from '../model';
import { fillRecommendedLabels, SYSKIT_VERSION } from './recommended-labels';
import { GatekeeperPolicies } from './gatekeeper-policies';
import { IDENTITY_PROVIDER_CONSUMER } from './gateway-routes';
import {
  Certificate,
  CertificateSpecPrivateKeyAlgorithm,
  CertificateSpecPrivateKeyRotationPolicy,
  ClusterIssuer,
  type ClusterIssuerProps,
} from './imports/cert-manager.io';
import { KongConsumer } from './imports/configuration.konghq.com';
import {
  Gateway,
  GatewayClass,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from './imports/gateway.networking.k8s.io';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from './imports/security.istio.io';
import { PLATFORM, PLATFORM_NAMESPACES } from './platform';
import type { PolicyRule } from '../policies/catalog';

export interface PlatformChartProps extends ChartProps {
  readonly environment: Environment;
  /** Every public hostname the environment's systems route, for the gateway's certificate. */
  readonly hostnames: readonly string[];
  /** @default - every rule in policies/ */
  readonly rules?: readonly PolicyRule[];
}

export const KONG_UNMANAGED_GATEWAY_CLASS = 'konghq.com/gatewayclass-unmanaged';

/** Marks a namespace as the platform's own, so constraints scoped to systems never select it. */
export const PLATFORM_NAMESPACE_LABEL = 'syskit.io/platform';

/**
 * What one environment's cluster shares across systems: the namespaces of the platform
 * components, the Kong GatewayClass and Gateway with its cert-manager certificate and issuer,
 * the identity provider's key for Kong's jwt plugin, mesh-wide mTLS, and Gatekeeper's
 * templates, constraints and config.
 */
export class PlatformChart extends Chart {
  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    super(scope, id, {
      ...props,
      disableResourceNameHashes: true,
      labels: {
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.partOf]: PLATFORM_NAME,
        [LABELS.environment]: props.environment.name,
        ...props.labels,
      },
    });
    const env = props.environment;
    const gw = PLATFORM.gateway;

    const meshNamespace =
      env.mesh.provider === 'istio' ? PLATFORM.mesh.istioNamespace : PLATFORM.mesh.linkerdNamespace;
    const namespaces = new Set<string>([
      ...PLATFORM_NAMESPACES.filter((n) => n !== PLATFORM.mesh.istioNamespace),
      meshNamespace,
      env.vault.namespace,
      env.kafka.namespace,
      env.telemetry.namespace,
    ]);
    for (const name of [...namespaces].sort()) {
      // Platform components (mesh CNI, operators) need more than `restricted`; `baseline` still
      // refuses privileged pods and host access, and `restricted` warnings stay visible.
      new kplus.k8s.KubeNamespace(this, `namespace-${name}`, {
        metadata: {
          name,
          labels: {
            [PLATFORM_NAMESPACE_LABEL]: 'true',
            'pod-security.kubernetes.io/enforce': 'baseline',
            'pod-security.kubernetes.io/warn': 'restricted',
          },
        },
      });
    }

    new GatewayClass(this, 'gateway-class', {
      // Kong's ingress controller 3.x reconciles only GatewayClasses marked unmanaged: it
      // configures the Kong the add-ons installed rather than provisioning one per Gateway.
      metadata: { name: env.cluster.gatewayClass, annotations: { [KONG_UNMANAGED_GATEWAY_CLASS]: 'true' } },
      spec: { controllerName: 'konghq.com/kic-gateway-controller', description: 'Kong, managed by syskit' },
    });

    new Gateway(this, 'gateway', {
      metadata: { name: gw.name, namespace: gw.namespace },
      spec: {
        gatewayClassName: env.cluster.gatewayClass,
        ...(Object.keys(env.cluster.loadBalancerAnnotations).length > 0
          ? { infrastructure: { annotations: env.cluster.loadBalancerAnnotations } }
          : {}),
        listeners: [
          {
            name: gw.httpsListener,
            protocol: 'HTTPS',
            port: 443,
            hostname: `*.${env.domain}`,
            tls: {
              mode: GatewaySpecListenersTlsMode.TERMINATE,
              certificateRefs: [{ group: '', kind: 'Secret', name: gw.certificateSecret }],
            },
            // Only system namespaces may attach routes; the platform's own namespaces may not.
            allowedRoutes: {
              namespaces: {
                from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
                selector: { matchExpressions: [{ key: LABELS.system, operator: 'Exists' }] },
              },
              kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
            },
          },
          {
            // Plain HTTP serves only ACME HTTP-01 challenges (cert-manager's own routes live in
            // the gateway's namespace) and Kong's redirect to HTTPS.
            name: 'http',
            protocol: 'HTTP',
            port: 80,
            hostname: `*.${env.domain}`,
            allowedRoutes: { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
          },
        ],
      },
    });

    new ClusterIssuer(this, 'issuer', clusterIssuer(env));
    new Certificate(this, 'certificate', {
      metadata: { name: 'gateway', namespace: gw.namespace },
      spec: {
        secretName: gw.certificateSecret,
        issuerRef: { group: 'cert-manager.io', kind: 'ClusterIssuer', name: env.tlsIssuer },
        // ACME issuers get names, not a wildcard: a wildcard needs a DNS-01 solver and DNS
        // credentials per cloud. A self-signed issuer can sign the wildcard, which also covers
        // the hostnames of ephemeral environments derived from this one.
        dnsNames: [...(selfSigned(env) ? [`*.${env.domain}`] : []), ...props.hostnames],
        privateKey: {
          algorithm: CertificateSpecPrivateKeyAlgorithm.ECDSA,
          size: 256,
          rotationPolicy: CertificateSpecPrivateKeyRotationPolicy.ALWAYS,
        },
      },
    });

    const idp = env.identityProvider;
    if (idp?.publicKey) {
      // Kong's open-source jwt plugin verifies tokens with a consumer's credential; the issuer is
      // the credential's key (matched against the token's `iss`), the realm's public key its secret.
      // The key is public; the Secret lives in the gateway's namespace, never in a system's.
      new kplus.k8s.KubeSecret(this, 'idp-credential', {
        metadata: {
          name: `${IDENTITY_PROVIDER_CONSUMER}-jwt`,
          namespace: gw.namespace,
          labels: { 'konghq.com/credential': 'jwt' },
        },
        stringData: { key: idp.issuer, algorithm: 'RS256', rsa_public_key: idp.publicKey },
      });
      new KongConsumer(this, 'idp-consumer', {
        metadata: {
          name: IDENTITY_PROVIDER_CONSUMER,
          namespace: gw.namespace,
          annotations: { 'kubernetes.io/ingress.class': 'kong' },
        },
        username: IDENTITY_PROVIDER_CONSUMER,
        credentials: [`${IDENTITY_PROVIDER_CONSUMER}-jwt`],
      });
    }

    if (env.mesh.provider === 'istio') {
      new PeerAuthentication(this, 'mesh-mtls', {
        metadata: { name: 'default', namespace: PLATFORM.mesh.istioNamespace },
        spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode[env.mesh.mtls] } },
      });
    }

    new GatekeeperPolicies(this, 'policies', { environment: env, rules: props.rules });
    fillRecommendedLabels(this, { name: PLATFORM_NAME, version: SYSKIT_VERSION });
  }
}

/** Self-signed in development; Let's Encrypt through the gateway's HTTP-01 challenge elsewhere. */
function clusterIssuer(env: Environment): ClusterIssuerProps {
  const metadata = { name: env.tlsIssuer };
  if (selfSigned(env)) return { metadata, spec: { selfSigned: {} } };
  const staging = env.tlsIssuer.includes('staging');
  return {
    metadata,
    spec: {
      acme: {
        server: staging
          ? 'https://acme-staging-v02.api.letsencrypt.org/directory'
          : 'https://acme-v02.api.letsencrypt.org/directory',
        email: `platform@${env.domain}`,
        privateKeySecretRef: { name: `${env.tlsIssuer}-account-key` },
        solvers: [
          {
            http01: {
              gatewayHttpRoute: {
                parentRefs: [
                  {
                    group: 'gateway.networking.k8s.io',
                    kind: 'Gateway',
                    name: PLATFORM.gateway.name,
                    namespace: PLATFORM.gateway.namespace,
                    sectionName: 'http',
                  },
                ],
              },
            },
          },
        ],
      },
    },
  };
}

function selfSigned(env: Environment): boolean {
  return env.tlsIssuer.startsWith('selfsigned');
}
