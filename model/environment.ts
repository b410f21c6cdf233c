import { z } from 'zod';
import { DEFAULT_CLUSTER_DOMAIN } from './addresses';
import { isCidr } from './egress';
import { DNS_LABEL, MAX_NAME } from './names';
import { byteQuantity, cpuQuantity, resourcesSchema } from './quantities';
import { DEFAULT_PROXY_RESOURCES, injectedResourcesSchema } from './sidecars';
import { pinnedImage } from './system';
import { DEFAULT_KV_MOUNTS } from './vault-paths';
import { envValueSchema } from './secret-values';

const hostname = z.string().regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,}$/, {
  error: 'expected a DNS domain like "dev.acme.example"',
});

const cidr = z.string().refine(isCidr, { error: 'expected a CIDR block like "10.244.0.0/16"' });

const serviceOverride = z.strictObject({
  replicas: z.number().int().min(0).optional(),
  autoscaling: z
    .strictObject({
      min: z.number().int().min(1),
      max: z.number().int().min(1),
      targetCpuPercent: z.number().int().min(1).max(100).optional(),
    })
    .optional(),
  resources: resourcesSchema.optional(),
  env: z.record(z.string(), envValueSchema).optional(),
  /** Size of each replica's volume here, for a service that declares `storage`. */
  storage: z.strictObject({ size: byteQuantity }).optional(),
});

const systemOverride = z.strictObject({
  /** Replica count for every service of the system. */
  replicas: z.number().int().min(0).optional(),
  resources: resourcesSchema.optional(),
  services: z.record(z.string(), serviceOverride).default({}),
  database: z
    .strictObject({ instances: z.number().int().min(1).optional(), storage: byteQuantity.optional() })
    .optional(),
});

/** What Gatekeeper does with a violation: record it (`dryrun`), warn the client, or reject the object. */
export const enforcementAction = z.enum(['dryrun', 'warn', 'deny']);
export type EnforcementAction = z.infer<typeof enforcementAction>;

/** The enforcement of one policy rule in an environment: its own, or the environment's. */
export function ruleEnforcement(env: Environment, rule: string): EnforcementAction {
  return env.policy.rules[rule] ?? env.policy.enforcement;
}

/** Name of the OPA external authorizer in the mesh config, unless the environment names another. */
export const DEFAULT_EXT_AUTHZ_PROVIDER = 'opa-ext-authz';

/** opa-envoy (OPA with Envoy's external authorization gRPC API) at the OPA version the tests run. */
export const DEFAULT_OPA_IMAGE = 'openpolicyagent/opa:1.22.2-envoy-static';

/** Sidecars injected by the platform's admission webhooks, exempt from the image rules. */
export const DEFAULT_EXEMPT_IMAGES = [
  'docker.io/istio/proxyv2:*',
  'cr.l5d.io/linkerd/proxy:*',
  'hashicorp/vault:*',
];

/** A label key as Kubernetes takes it: an optional DNS-subdomain prefix, then a name of at most 63 characters. */
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/** One Kubernetes cluster an environment runs on, as GitOps tools know it. */
export const targetClusterSchema = z.strictObject({
  /** The cluster's name in Argo CD (`argocd cluster add --name`) and in its Flux kubeconfig Secret. */
  name: z.string().max(40, { error: 'cluster name must be at most 40 characters' }).regex(DNS_LABEL, {
    error: 'cluster name must be a DNS label, like "prod-eu-west-1"',
  }),
  /** The cluster's API server URL. */
  server: z.string().url({ error: 'expected the API server URL, like "https://10.0.0.1:6443"' }),
  /** Labels the cluster carries in Argo CD, like `region: eu-west-1`. @default {} */
  labels: z
    .record(
      z.string().regex(LABEL_KEY, { error: 'expected a Kubernetes label key, like "region"' }),
      z.string().regex(LABEL_VALUE, { error: 'expected a Kubernetes label value of at most 63 characters' }),
    )
    .default({}),
});

export type TargetCluster = z.output<typeof targetClusterSchema>;
/**
 * Node disk a container reserves and may fill when neither the environment nor the workload says.
 * Without a limit one pod writing logs or temporary files can fill a node's disk and get every
 * pod on it evicted.
 */
export const DEFAULT_EPHEMERAL_STORAGE = { request: '128Mi', limit: '1Gi' } as const;

export const environmentSchema = z.strictObject({
  name: z
    .string()
    .max(MAX_NAME.environment, {
      error: `environment name must be at most ${MAX_NAME.environment} characters`,
    })
    .regex(DNS_LABEL, { error: 'environment name must be a DNS label' }),
  cluster: z.strictObject({
    kind: z.enum(['generic', 'eks', 'gke', 'aks', 'k3s', 'kind']).default('generic'),
    /** @default 'standard' */
    storageClass: z.string().default('standard'),
    /** GatewayClass the platform's Kong Gateway uses. @default 'kong' */
    gatewayClass: z.string().default('kong'),
    /**
     * Whether nodes sit in several zones (`topology.kubernetes.io/zone`): replicas are then spread
     * over zones as well as nodes.
     * @default false
     */
    zones: z.boolean().default(false),
    /**
     * The cluster's DNS domain (the kubelet's `clusterDomain`): callers in other namespaces get
     * `<service>.<namespace>.svc.<dnsDomain>` in their `<CALLEE>_ADDR` variables.
     * @default 'cluster.local'
     */
    dnsDomain: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        error: 'expected a DNS domain like "cluster.local"',
      })
      .default(DEFAULT_CLUSTER_DOMAIN),
    /**
     * The cluster's pod and Service address ranges. Egress to outside destinations is then allowed
     * to every address but these (a NetworkPolicy `ipBlock`); unknown, it is allowed by port only.
     * @default [] - egress rules by port only
     */
    podCidrs: z.array(cidr).default([]),
    /** @default [] */
    serviceCidrs: z.array(cidr).default([]),
    /** Annotations for the gateway's LoadBalancer Service (cloud-specific). @default {} */
    loadBalancerAnnotations: z.record(z.string(), z.string()).default({}),
  }),
  /**
   * The clusters the environment runs on. The GitOps output (`syskit synth --gitops`) delivers
   * the same manifests to each; `syskit up` applies to the cluster its kubeconfig names.
   * @default [] - one cluster: the one Argo CD or Flux runs in
   */
  clusters: z
    .array(targetClusterSchema)
    .default([])
    .superRefine((clusters, ctx) => {
      const seen = new Set<string>();
      clusters.forEach((c, i) => {
        if (seen.has(c.name))
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `cluster "${c.name}" is listed twice` });
        seen.add(c.name);
      });
    }),
  /** Every public hostname of the environment lives under this domain. */
  domain: hostname,
  /** cert-manager ClusterIssuer that signs the gateway's certificate. */
  tlsIssuer: z.string().regex(DNS_LABEL),
  /** Who signs the tokens routes with `auth: 'jwt'` accept. @default - no JWT routes allowed */
  identityProvider: z
    .strictObject({
      issuer: z.string().url(),
      jwksUri: z.string().url().optional(),
      /** PEM public key of the issuer's signing key (public, so it may live in the repo). */
      publicKey: z.string().includes('BEGIN PUBLIC KEY').optional(),
      /** @default - the environment's domain */
      audience: z.string().optional(),
    })
    .refine((idp) => idp.publicKey !== undefined, {
      error:
        "declare publicKey (PEM): open-source Kong's jwt plugin verifies tokens with the provider's public key",
      path: ['publicKey'],
    })
    .optional(),
  mesh: z
    .strictObject({
      provider: z.enum(['istio', 'linkerd']).default('istio'),
      mtls: z.enum(['STRICT', 'PERMISSIVE']).default('STRICT'),
      /**
       * Name of the OPA external authorizer in istiod's `meshConfig.extensionProviders`; the
       * CUSTOM AuthorizationPolicy of every service with `authz` names it.
       * @default 'opa-ext-authz'
       */
      extAuthzProvider: z
        .string()
        .regex(DNS_LABEL, { error: 'extAuthzProvider must be a DNS label, like "opa-ext-authz"' })
        .default(DEFAULT_EXT_AUTHZ_PROVIDER),
      /**
       * The opa-envoy image each system with `authz` runs; point it at a mirror under the
       * environment's allowed registries.
       * @default 'openpolicyagent/opa:1.22.2-envoy-static'
       */
      opaImage: pinnedImage.default(DEFAULT_OPA_IMAGE),
      /**
       * Requests and limits of the proxy the mesh injects into every pod, written to each pod
       * template as the injector's annotations and counted in the namespace's quota.
       * @default DEFAULT_PROXY_RESOURCES (100m / 128Mi requested, 500m / 256Mi limit)
       */
      proxyResources: injectedResourcesSchema.default(DEFAULT_PROXY_RESOURCES),
      /**
       * What the proxies do with traffic to destinations the mesh has no entry for: `REGISTRY_ONLY`
       * refuses it, so a workload reaches outside the cluster only where it declares `egress`.
       * Written as a Sidecar (Istio) or an EgressNetwork (Linkerd) in every system namespace.
       * @default 'REGISTRY_ONLY'
       */
      outboundTrafficPolicy: z.enum(['REGISTRY_ONLY', 'ALLOW_ANY']).default('REGISTRY_ONLY'),
    })
    .default({
      provider: 'istio',
      mtls: 'STRICT',
      extAuthzProvider: DEFAULT_EXT_AUTHZ_PROVIDER,
      opaImage: DEFAULT_OPA_IMAGE,
      proxyResources: DEFAULT_PROXY_RESOURCES,
      outboundTrafficPolicy: 'REGISTRY_ONLY',
    }),
  policy: z.strictObject({
    enforcement: enforcementAction,
    /**
     * Enforcement of single rules, by their folder name in `policies/`, where it differs from
     * `enforcement`: a new rule can start as `warn` while the others deny.
     * @default {} - every rule uses `enforcement`
     */
    rules: z.record(z.string(), enforcementAction).default({}),
    /** Image prefixes pods may pull from, like "ghcr.io/acme/". */
    allowedRegistries: z.array(z.string().min(1)).nonempty(),
    /**
     * Images of containers that admission webhooks inject into every pod (mesh proxy, Vault
     * Agent): the platform pins them, not the systems. A trailing `*` makes a prefix.
     * @default - the Istio and Linkerd proxies and the Vault agent
     */
    exemptImages: z.array(z.string().min(1)).default(DEFAULT_EXEMPT_IMAGES),
    /**
     * Refuse images pinned by tag alone: every workload image (and the OPA image) must carry a
     * digest (`name:tag@sha256:...`), checked by `syskit validate` and by the pinned-images policy.
     * @default false (the example prod environment turns it on)
     */
    requireDigests: z.boolean().default(false),
  }),
  defaults: z.strictObject({
    replicas: z.number().int().min(0),
    resources: z.strictObject({
      requests: z.strictObject({
        cpu: cpuQuantity,
        memory: byteQuantity,
        /** Node disk a container reserves (writable layer, logs, `/tmp`). @default '128Mi' */
        ephemeralStorage: byteQuantity.default(DEFAULT_EPHEMERAL_STORAGE.request),
      }),
      limits: z.strictObject({
        cpu: cpuQuantity,
        memory: byteQuantity,
        /** Node disk a container may fill before the kubelet evicts its pod; also `/tmp`'s size limit. @default '1Gi' */
        ephemeralStorage: byteQuantity.default(DEFAULT_EPHEMERAL_STORAGE.limit),
      }),
    }),
  }),
  database: z
    .strictObject({
      /** @default 1 */
      instances: z.number().int().min(1).default(1),
      /** S3-compatible backups; left out in environments that need none. */
      backup: z
        .strictObject({
          destinationPath: z.string().startsWith('s3://'),
          endpointUrl: z.string().url().optional(),
          retentionDays: z.number().int().positive(),
          /** Name of the Secret (created outside syskit) holding the object store credentials. */
          credentialsSecret: z.string().regex(DNS_LABEL),
        })
        .optional(),
      /** Put PgBouncer in front of the database. @default false */
      pooler: z.boolean().default(false),
    })
    .default({ instances: 1, pooler: false }),
  kafka: z
    .strictObject({
      /** Strimzi Kafka cluster name (the `strimzi.io/cluster` label). @default 'events' */
      cluster: z.string().default('events'),
      namespace: z.string().default('kafka'),
      replicas: z.number().int().min(1).default(1),
      retentionHours: z.number().int().positive().default(24),
      /** Fewest partitions a topic may have here (consumer parallelism in production). @default 1 */
      minPartitions: z.number().int().min(1).default(1),
      /**
       * Mount of the Vault PKI engine that issues the workloads' Kafka client certificates; the
       * Kafka cluster trusts its CA for clients. @default 'pki-kafka'
       */
      clientPki: z
        .string()
        .regex(/^[a-z0-9][-a-z0-9_/]*[a-z0-9]$/)
        .default('pki-kafka'),
    })
    .default({
      cluster: 'events',
      namespace: 'kafka',
      replicas: 1,
      retentionHours: 24,
      minPartitions: 1,
      clientPki: 'pki-kafka',
    }),
  vault: z
    .strictObject({
      address: z.string().url().default('http://vault.vault.svc:8200'),
      namespace: z.string().default('vault'),
      /** Mount of Vault's Kubernetes auth method. @default 'kubernetes' */
      authMount: z.string().default('kubernetes'),
      /** Mount of Vault's database secrets engine. @default 'database' */
      databaseMount: z.string().default('database'),
      /** KV secrets engine mounts that systems' `secrets` may name. @default ['kv', 'secret'] */
      kvMounts: z
        .array(z.string().regex(/^[a-z0-9][-a-z0-9_]*$/, { error: 'expected a mount name like "kv"' }))
        .nonempty()
        .default([...DEFAULT_KV_MOUNTS]),
    })
    .default({
      address: 'http://vault.vault.svc:8200',
      namespace: 'vault',
      authMount: 'kubernetes',
      databaseMount: 'database',
      kvMounts: [...DEFAULT_KV_MOUNTS],
    }),
  telemetry: z
    .strictObject({
      collectorEndpoint: z.string().url().default('http://otel-collector.observability.svc:4317'),
      namespace: z.string().default('observability'),
    })
    .default({
      collectorEndpoint: 'http://otel-collector.observability.svc:4317',
      namespace: 'observability',
    }),
  overrides: z.record(z.string(), systemOverride).default({}),
  /** Set on environments derived from a base for one pull request. */
  ephemeral: z
    .strictObject({
      base: z.string(),
      /** Lifetime in hours. */
      ttlHours: z.number().positive(),
      /** ISO time the environment was created. */
      createdAt: z.string().datetime(),
    })
    .optional(),
});

export type EnvironmentInput = z.input<typeof environmentSchema>;
export type Environment = z.output<typeof environmentSchema>;

export function defineEnvironment(environment: EnvironmentInput): EnvironmentInput {
  return environment;
}
