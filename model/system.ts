import { z } from 'zod';
import { DNS_1035_LABEL, DNS_LABEL, MAX_NAME } from './names';
import { cronProblem, timeZoneProblem } from './cron';
import { REGISTRY_PREFIX, unpinnedReason } from './image';
import { probeSchema, PROTOCOLS } from './probes';
import { byteQuantity, resourcesSchema } from './quantities';
import { envValueSchema } from './secret-values';
import { egressSchema } from './egress';

const dnsName = (what: string, max: number) =>
  z
    .string()
    .max(max, { error: `${what} must be at most ${max} characters` })
    .regex(DNS_1035_LABEL, {
      error: `${what} must be a DNS label: lowercase letters, digits and "-", starting with a letter`,
    });

/** A container image pinned to a tag (not "latest") or a digest; environments use it too. */
export const pinnedImage = z.string().superRefine((value, ctx) => {
  const reason = unpinnedReason(value);
  if (reason) ctx.addIssue({ code: 'custom', message: `${reason}, got "${value}"` });
});

const cronSchedule = z.string().superRefine((value, ctx) => {
  const problem = cronProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const ianaTimeZone = z.string().superRefine((value, ctx) => {
  const problem = timeZoneProblem(value);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const port = z
  .number({ error: 'expected a port number' })
  .int({ error: 'port must be an integer' })
  .min(1, { error: 'port must be between 1 and 65535' })
  .max(65535, { error: 'port must be between 1 and 65535' });

const httpMethod = z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** A public route through the platform's Kong gateway. */
export const routeSchema = z.strictObject({
  /** Host label under the environment's domain. @default - the system's name */
  host: z
    .string()
    .regex(DNS_LABEL, { error: 'host must be a single DNS label; the domain comes from the environment' })
    .optional(),
  /** Path prefix matched at the gateway; written without a trailing slash and percent-encodings of plain characters. */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\-/%]*$/, { error: 'path must start with "/" and use URL path characters' }),
  /** @default - every method */
  methods: z.array(httpMethod).nonempty().optional(),
  /** `jwt` validates the caller's token against the environment's identity provider; `none` must be written out. @default 'jwt' */
  auth: z.enum(['jwt', 'none']).default('jwt'),
  /** Requests per minute per client. @default 600 */
  rateLimitPerMinute: z.number().int().positive().default(600),
  /** Origins allowed by CORS. @default - CORS is not enabled */
  corsOrigins: z.array(z.string().url()).optional(),
  /** Largest accepted request body in megabytes. @default 8 */
  maxBodyMegabytes: z.number().int().positive().max(1024).default(8),
  /**
   * Let routes of other systems on the same host sit below this prefix (the gateway sends a
   * request to the longest matching prefix, so they take those requests from this route).
   * @default false - nested prefixes across systems are refused
   */
  allowShared: z.boolean().default(false),
});

const secretsSchema = z.record(
  z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, {
    error: 'secret names must be DNS labels; they become file names',
  }),
  z.string().regex(/^[a-z0-9][a-z0-9_\-/.]*[a-z0-9]$/, {
    error: 'expected a Vault path like "kv/data/commerce/stripe"',
  }),
);

const envSchema = z.record(
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, {
    error: 'environment variable names must match [A-Za-z_][A-Za-z0-9_]*',
  }),
  envValueSchema,
);

/**
 * A Rego file named relative to the repository root. Paths that leave the repository or name a
 * place on one machine would not resolve on another; whether the file exists is checked with
 * the fleet (`parseFleet`), which reads it.
 */
const regoFile = z.string().superRefine((value, ctx) => {
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value) || value.split(/[\\/]/).includes('..')) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a path relative to the repository root, like "policies/authz/orders.rego", got "${value}"`,
    });
  } else if (!value.endsWith('.rego')) {
    ctx.addIssue({ code: 'custom', message: `expected a Rego file ending in ".rego", got "${value}"` });
  }
});

const autoscaling = z.strictObject({
  min: z.number().int().min(1),
  max: z.number().int().min(1),
  /** Average CPU utilisation to hold, in percent. @default 70 */
  targetCpuPercent: z.number().int().min(1).max(100).default(70),
});

/** Where a workload reads its configuration, secrets and data; shared by services and jobs. */
const workloadFields = {
  image: pinnedImage,
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: envSchema.optional(),
  resources: resourcesSchema.optional(),
  /** Vault secrets, keyed by the file name the agent renders under /vault/secrets. */
  secrets: secretsSchema.optional(),
  /** Access to the system's database, with credentials from Vault's database engine. */
  database: z.enum(['readwrite', 'readonly']).optional(),
  /** Other services this one calls: `service` in the same system or `system/service`. */
  calls: z.array(z.string()).optional(),
  /**
   * Destinations outside the cluster it calls (`{ host: 'api.payments.example', port: 443 }`):
   * a mesh entry and a NetworkPolicy rule each; anything undeclared is refused.
   * @default - no egress outside the cluster
   */
  egress: z.array(egressSchema).optional(),
  /**
   * Seconds the pod gets to finish after SIGTERM before it is killed (drain connections, flush).
   * @default 30 (Kubernetes' default)
   */
  terminationGracePeriodSeconds: z.number().int().min(0).max(3600).optional(),
  topics: z
    .strictObject({
      /** Topics of this system it writes. */
      publishes: z.array(z.string()).optional(),
      /** Topics it reads: `topic` of this system or `system/topic`. */
      consumes: z.array(z.string()).optional(),
    })
    .optional(),
};

/** A directory inside the container: absolute, no `.`/`..` segments, not the root. */
const mountPath = z.string().regex(/^(\/[A-Za-z0-9._-]+)+$/, {
  error: 'expected an absolute directory like "/data" (no trailing slash, no spaces)',
});

/** A volume that keeps a service's data across restarts and rescheduling: one per replica. */
export const storageSchema = z.strictObject({
  /** Size of each replica's volume. Environments may override it (`overrides.<system>.services.<name>.storage.size`). */
  size: byteQuantity,
  /** Where the volume is mounted in the container. */
  mountPath,
});

export const serviceSchema = z.strictObject({
  ...workloadFields,
  /**
   * Data that must survive a restart: the service runs as a StatefulSet, each replica with its own
   * PersistentVolumeClaim of the environment's storage class, a headless Service beside the
   * normal one, and replicas started, updated and stopped one at a time, in order.
   * @default - stateless: a Deployment with no volume but a size-limited /tmp
   */
  storage: storageSchema.optional(),
  /** The port the container listens on. */
  port,
  /** The port callers use on the Service (80 in front of a container's 8080). @default - `port` */
  servicePort: port.optional(),
  /**
   * What the service speaks: `http`, `grpc`, or plain `tcp` (a cache, a broker): TCP probes,
   * `appProtocol: tcp`, mesh and network rules by port only, no routes or external authorization.
   * @default 'http'
   */
  protocol: z.enum(PROTOCOLS).default('http'),
  /** @default - the environment's default replica count */
  replicas: z.number().int().min(0).optional(),
  autoscaling: autoscaling.optional(),
  probes: z
    .strictObject({
      /** @default - HTTP GET /readyz on the service port (gRPC health check for grpc, TCP connect for tcp) */
      readiness: probeSchema.optional(),
      /** @default - HTTP GET /livez on the service port (gRPC health check for grpc, TCP connect for tcp) */
      liveness: probeSchema.optional(),
    })
    .optional(),
  routes: z.array(routeSchema).optional(),
  metrics: z
    .strictObject({
      /** @default - the service port */
      port: port.optional(),
      /** @default '/metrics' */
      path: z.string().startsWith('/').default('/metrics'),
    })
    .optional(),
  /**
   * Have the mesh ask OPA about each request before it reaches the service (Envoy external
   * authorization). The system's OPA serves the Rego at `policy`, which answers
   * `data.envoy.authz.allow`.
   * @default - no external authorization; the mesh's caller rules alone decide
   */
  authz: z
    .strictObject({
      /** A Rego file, relative to the repository root, like "policies/authz/orders.rego". */
      policy: regoFile,
    })
    .optional(),
});

/** The seed's Job input handler: a scheduled workload with the same image rules and security as services. */
export const jobSchema = z.strictObject({
  ...workloadFields,
  /**
   * When it runs, as Kubernetes reads a CronJob schedule: five fields (`0 3 * * *`), a descriptor
   * (`@midnight`, `@annually`, ...) or `@every <duration>`.
   */
  schedule: cronSchedule,
  /** IANA time zone the schedule is read in. @default - the controller's, UTC on most clusters */
  timeZone: ianaTimeZone.optional(),
  /** @default 'Forbid' */
  concurrencyPolicy: z.enum(['Allow', 'Forbid', 'Replace']).default('Forbid'),
  /** @default 3600 */
  activeDeadlineSeconds: z.number().int().positive().default(3600),
});

export const databaseSchema = z.strictObject({
  engine: z.literal('postgres').default('postgres'),
  /** PostgreSQL major version. @default '17' */
  version: z.enum(['15', '16', '17', '18']).default('17'),
  storage: byteQuantity,
  extensions: z.array(z.string().regex(/^[a-z0-9_]+$/)).default([]),
  /** PostgreSQL parameters, merged over the platform's defaults. */
  parameters: z.record(z.string(), z.string()).default({}),
});

export const topicSchema = z.strictObject({
  /** @default 3 */
  partitions: z.number().int().min(1).max(1000).default(3),
  /** @default - the environment's retention */
  retentionHours: z.number().int().positive().optional(),
});

export const systemSchema = z.strictObject({
  name: dnsName('system name', MAX_NAME.system),
  /** The owning team, written to the `syskit.io/owner` label. */
  owner: z
    .string()
    .regex(DNS_LABEL, { error: 'owner must be a DNS label (a team name like "payments-team")' }),
  description: z.string().min(1),
  services: z.record(dnsName('service name', MAX_NAME.service), serviceSchema),
  database: databaseSchema.optional(),
  topics: z
    .record(
      z.string().max(MAX_NAME.topic).regex(DNS_LABEL, { error: 'topic names must be DNS labels' }),
      topicSchema,
    )
    .default({}),
  jobs: z.record(dnsName('job name', MAX_NAME.job), jobSchema).default({}),
  /**
   * Registries this system may pull from besides the environment's `allowedRegistries` (a vendor's
   * registry, say), as prefixes ending in "/". The allowed-registries policy admits them in this
   * system's namespace only.
   * @default - only the environment's registries
   */
  registries: z
    .array(
      z.string().regex(REGISTRY_PREFIX, {
        error: 'expected a registry prefix ending in "/", like "quay.io/acme-vendor/"',
      }),
    )
    .default([]),
});

/** What a system file declares (defaults not yet applied). */
export type SystemInput = z.input<typeof systemSchema>;
/** A parsed system: defaults applied, shapes checked; cross-references not yet checked. */
export type System = z.output<typeof systemSchema>;
export type Service = z.output<typeof serviceSchema>;
export type Job = z.output<typeof jobSchema>;
export type Route = z.output<typeof routeSchema>;
export type Storage = z.output<typeof storageSchema>;
export type Database = z.output<typeof databaseSchema>;

/** A system declaration. Validation happens for the whole fleet at once (see `validateFleet`). */
export function defineSystem(system: SystemInput): SystemInput {
  return system;
}
