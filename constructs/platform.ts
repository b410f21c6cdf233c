/**
 * Where the platform's shared components run. Systems' policies name these namespaces and
 * service accounts, and the add-ons stack installs the components under the same names, so
 * they live in one place.
 */
export const PLATFORM = {
  gateway: {
    namespace: 'kong',
    /** The Gateway API Gateway every HTTPRoute attaches to. */
    name: 'kong',
    /** Service account of Kong's proxy pods: the mesh identity requests from the edge carry. */
    serviceAccount: 'kong-gateway',
    /** Listener section HTTPRoutes attach to. */
    httpsListener: 'https',
    /** Secret cert-manager writes the gateway's certificate to. */
    certificateSecret: 'gateway-tls',
  },
  mesh: {
    istioNamespace: 'istio-system',
    linkerdNamespace: 'linkerd',
    /**
     * Host the OPA external authorizer in istiod's mesh config sends checks to. It names no one
     * OPA: each system namespace with an authorizer maps it to its own (see OpaAuthorizer).
     */
    extAuthzHost: 'opa-authz.local',
  },
  monitoring: { namespace: 'monitoring', prometheusServiceAccount: 'prometheus' },
  gatekeeper: { namespace: 'gatekeeper-system' },
  certManager: { namespace: 'cert-manager' },
  database: { operatorNamespace: 'cnpg-system' },
} as const;

/** Namespaces of the platform's components, created by the PlatformChart. */
export const PLATFORM_NAMESPACES = [
  PLATFORM.gateway.namespace,
  PLATFORM.mesh.istioNamespace,
  PLATFORM.gatekeeper.namespace,
  PLATFORM.certManager.namespace,
  PLATFORM.database.operatorNamespace,
  PLATFORM.monitoring.namespace,
] as const;

/** Ports of the platform components a workload may need to reach. */
export const PLATFORM_PORTS = {
  postgres: 5432,
  pgbouncer: 5432,
  kafkaTls: 9093,
  vault: 8200,
  otlpGrpc: 4317,
  istiod: 15012,
  /** Envoy's external authorization gRPC API, as opa-envoy serves it. */
  opaExtAuthz: 9191,
  linkerdDestination: 8086,
  linkerdIdentity: 8080,
  linkerdPolicy: 8090,
} as const;
