import type { EgressProtocol } from './egress';
import type { Environment } from './environment';
import type { Protocol } from './probes';
import type { Resources } from './quantities';

/** A peer in the call graph, with everything needed to write a policy that names it. */
export interface Endpoint {
  readonly system: string;
  readonly service: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** The port the callee's pods listen on: what NetworkPolicies name. */
  readonly port: number;
  /** The port of the callee's Service: what callers connect to. */
  readonly servicePort: number;
  readonly protocol: Protocol;
}

export interface ResolvedRoute {
  /** Fully qualified: `api.dev.acme.example`. */
  readonly host: string;
  readonly path: string;
  readonly methods?: readonly string[];
  readonly auth: 'jwt' | 'none';
  readonly rateLimitPerMinute: number;
  readonly corsOrigins?: readonly string[];
  readonly maxBodyMegabytes: number;
}

export interface ResolvedProbe {
  /** How the kubelet checks: an HTTP GET, the gRPC health protocol or a TCP connect. */
  readonly protocol: Protocol;
  /** The HTTP path; only HTTP probes use it. */
  readonly path: string;
  readonly port: number;
  /** HTTP request headers, sorted by name. */
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
}

export interface TopicRef {
  readonly system: string;
  readonly topic: string;
}

/** What services and jobs have in common: one container, its config, its grants. */
export interface ResolvedWorkload {
  readonly name: string;
  readonly image: string;
  readonly version: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  /** Sorted by name. */
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly resources: Resources;
  readonly serviceAccount: string;
  /** Sorted by name. */
  readonly secrets: readonly { readonly name: string; readonly path: string }[];
  readonly database?: 'readwrite' | 'readonly';
  /** Services this workload calls, sorted. */
  readonly calls: readonly Endpoint[];
  /** Destinations outside the cluster this workload calls, sorted by host and port. */
  readonly egress: readonly {
    readonly host: string;
    readonly port: number;
    readonly protocol: EgressProtocol;
  }[];
  /** `<CALLEE>_ADDR` variables, one per callee, derived from `calls`; sorted by name. */
  readonly addresses: readonly { readonly name: string; readonly value: string }[];
  readonly publishes: readonly string[];
  readonly consumes: readonly TopicRef[];
  /** @default - Kubernetes' 30 seconds */
  readonly terminationGracePeriodSeconds?: number;
}

export interface ResolvedService extends ResolvedWorkload {
  readonly kind: 'service';
  readonly port: number;
  /** The Service's port; the container's `port` unless the service says otherwise. */
  readonly servicePort: number;
  readonly protocol: Protocol;
  readonly replicas: number;
  readonly autoscaling?: { readonly min: number; readonly max: number; readonly targetCpuPercent: number };
  readonly readiness: ResolvedProbe;
  readonly liveness: ResolvedProbe;
  readonly routes: readonly ResolvedRoute[];
  readonly metrics?: { readonly port: number; readonly path: string };
  /**
   * External authorization by the system's OPA: the declared Rego file and its content, read
   * when the fleet was parsed so constructs never touch the filesystem.
   */
  readonly authz?: { readonly policy: string; readonly rego: string };
  /** Workloads (in any system) that declared a call to this service, sorted. */
  readonly callers: readonly Endpoint[];
  /** The volume each replica keeps; a service with one runs as a StatefulSet. */
  readonly storage?: {
    readonly size: string;
    readonly mountPath: string;
    /** The environment's storage class (`cluster.storageClass`). */
    readonly storageClass: string;
  };
}

export interface ResolvedJob extends ResolvedWorkload {
  readonly kind: 'job';
  readonly schedule: string;
  readonly timeZone?: string;
  readonly concurrencyPolicy: 'Allow' | 'Forbid' | 'Replace';
  readonly activeDeadlineSeconds: number;
}

export interface ResolvedDatabase {
  readonly engine: 'postgres';
  readonly version: string;
  readonly storage: string;
  readonly storageClass: string;
  readonly instances: number;
  readonly extensions: readonly string[];
  readonly parameters: Readonly<Record<string, string>>;
  /** Name of the CloudNativePG cluster and of its `-rw`/`-ro` Services. */
  readonly clusterName: string;
}

export interface ResolvedTopic {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  readonly retentionHours: number;
}

/** One system in one environment: every default applied, every reference checked. */
export interface ResolvedSystem {
  readonly name: string;
  readonly owner: string;
  readonly description: string;
  readonly namespace: string;
  readonly environment: Environment;
  readonly services: readonly ResolvedService[];
  readonly jobs: readonly ResolvedJob[];
  readonly database?: ResolvedDatabase;
  readonly topics: readonly ResolvedTopic[];
  /** Registry prefixes this system may pull from besides the environment's. */
  readonly registries: readonly string[];
  /** Labels every object of the system carries. */
  readonly labels: Readonly<Record<string, string>>;
}
