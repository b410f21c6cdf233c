import { z } from 'zod';
import type { Issue } from './issues';
import type { ResolvedProbe } from './resolved';

/** The protocols a service speaks on its port: what its probes, Service and mesh rules assume. */
export const PROTOCOLS = ['http', 'grpc', 'tcp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** How the kubelet checks a container: HTTP, gRPC health or a TCP connect, by the service's protocol. */
export const probeSchema = z.strictObject({
  /** HTTP path; gRPC and TCP services ignore it, so it is refused there. */
  path: z.string().startsWith('/').optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** Request headers of an HTTP probe (a Host the service routes on, say). @default - none */
  headers: z
    .record(
      z.string().regex(HEADER_NAME, { error: 'header names are HTTP tokens, like "X-Probe"' }),
      z.string(),
    )
    .optional(),
  initialDelaySeconds: z.number().int().nonnegative().optional(),
  periodSeconds: z.number().int().positive().optional(),
  /** @default 1 */
  timeoutSeconds: z.number().int().positive().optional(),
  /** Consecutive failures before the kubelet acts. @default 3 */
  failureThreshold: z.number().int().positive().optional(),
});
export type ProbeInput = z.output<typeof probeSchema>;

/** The probe a service gets: declared fields over the defaults of its kind and protocol. */
export function resolveProbe(
  kind: 'readiness' | 'liveness',
  protocol: Protocol,
  servicePort: number,
  declared: ProbeInput | undefined,
): ResolvedProbe {
  return {
    protocol,
    path: declared?.path ?? (kind === 'readiness' ? '/readyz' : '/livez'),
    port: declared?.port ?? servicePort,
    headers: Object.entries(declared?.headers ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, value]) => ({ name, value })),
    initialDelaySeconds: declared?.initialDelaySeconds ?? (kind === 'readiness' ? 2 : 10),
    periodSeconds: declared?.periodSeconds ?? 10,
    timeoutSeconds: declared?.timeoutSeconds ?? 1,
    failureThreshold: declared?.failureThreshold ?? 3,
  };
}

/**
 * What a protocol cannot carry: a TCP service is checked by connecting, so an HTTP path or
 * headers would be silently dropped; gRPC health checks take no path or headers either. A TCP
 * service takes no routes (the gateway speaks HTTP) and no external authorization (Envoy's
 * ext_authz checks HTTP requests).
 */
export function protocolIssues(
  at: string,
  service: {
    protocol?: string;
    probes?: { readiness?: ProbeInput; liveness?: ProbeInput };
    routes?: unknown[];
    authz?: unknown;
    port?: number;
    metrics?: { port?: number };
  },
): Issue[] {
  const issues: Issue[] = [];
  const protocol = service.protocol ?? 'http';
  if (protocol !== 'http') {
    for (const kind of ['readiness', 'liveness'] as const) {
      for (const field of ['path', 'headers'] as const) {
        if (service.probes?.[kind]?.[field] !== undefined)
          issues.push({
            path: `${at}.probes.${kind}.${field}`,
            message: `a ${protocol} service is probed by ${protocol === 'tcp' ? 'a TCP connect' : 'the gRPC health protocol'}, which has no ${field}; leave it out`,
          });
      }
    }
  }
  if (protocol !== 'tcp') return issues;
  (service.routes ?? []).forEach((_, i) =>
    issues.push({
      path: `${at}.routes[${i}]`,
      message:
        'routes go through the HTTP gateway; a tcp service takes none (declare callers with calls instead)',
    }),
  );
  if (service.authz !== undefined)
    issues.push({
      path: `${at}.authz`,
      message: 'external authorization checks HTTP requests; a tcp service cannot have it',
    });
  if (service.metrics !== undefined && (service.metrics.port ?? service.port) === service.port)
    issues.push({
      path: `${at}.metrics.port`,
      message:
        'Prometheus scrapes over HTTP; a tcp service serves metrics on a port of its own (metrics.port)',
    });
  return issues;
}
