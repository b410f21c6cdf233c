import { z } from 'zod';
import { byteQuantity, cpuQuantity, kibibytes, millicores } from './quantities';

/**
 * Requests and limits of a container the platform injects (the mesh proxy), all four spelled
 * out: an injected container gets no size from its workload, and the namespace's quota must count
 * it at the size it really runs.
 */
export const injectedResourcesSchema = z
  .strictObject({
    requests: z.strictObject({ cpu: cpuQuantity, memory: byteQuantity }),
    limits: z.strictObject({ cpu: cpuQuantity, memory: byteQuantity }),
  })
  .superRefine((r, ctx) => {
    if (millicores(r.requests.cpu) > millicores(r.limits.cpu))
      ctx.addIssue({
        code: 'custom',
        path: ['requests', 'cpu'],
        message: `request ${r.requests.cpu} exceeds the limit ${r.limits.cpu}`,
      });
    if (kibibytes(r.requests.memory) > kibibytes(r.limits.memory))
      ctx.addIssue({
        code: 'custom',
        path: ['requests', 'memory'],
        message: `request ${r.requests.memory} exceeds the limit ${r.limits.memory}`,
      });
  });

/**
 * The mesh proxy's size when an environment names none. Istio's chart default (limits 2 CPU and
 * 1 GiB per pod) would make every replica reserve more than most applications; a sidecar relays
 * one pod's traffic and needs a fraction of that.
 */
export const DEFAULT_PROXY_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '500m', memory: '256Mi' },
} as const;
