import { createHash } from 'node:crypto';
import type { SystemInput } from '../model';

/** Services per synthetic system, as the benchmark's brief fixes it. */
export const SERVICES_PER_SYSTEM = 10;

/** A version tag with a made-up but stable digest, as environments that require digests want. */
function pinned(image: string): string {
  return `${image}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/**
 * A synthetic fleet of `n` systems with every feature switched on: routes, calls within and
 * across systems, Vault secrets, a database, published and consumed topics, metrics, a job.
 * Deterministic, so two runs measure the same objects.
 */
export function syntheticFleet(n: number, variant = 0): SystemInput[] {
  const systems: SystemInput[] = [];
  for (let i = 0; i < n; i++) {
    const name = systemName(i);
    const neighbour = systemName((i + 1) % n);
    const services: SystemInput['services'] = {};
    for (let s = 0; s < SERVICES_PER_SYSTEM; s++) {
      const calls = [`svc-${(s + 1) % SERVICES_PER_SYSTEM}`];
      if (s === 0 && n > 1) calls.push(`${neighbour}/svc-1`);
      services[`svc-${s}`] = {
        image: pinned(`registry.acme.example/${name}/svc-${s}:1.${variant}.${s}`),
        port: 8080,
        routes:
          s < 2
            ? [
                {
                  host: name,
                  path: `/v1/svc-${s}`,
                  methods: ['GET', 'POST'],
                  corsOrigins: ['https://app.acme.example'],
                },
              ]
            : undefined,
        calls,
        secrets: { [`key-${s}`]: `kv/data/${name}/svc-${s}` },
        database: s % 2 === 0 ? 'readwrite' : 'readonly',
        topics:
          s === 0
            ? { publishes: ['events'] }
            : s === 1 && n > 1
              ? { consumes: [`${neighbour}/events`] }
              : undefined,
        metrics: { port: 9090 },
        autoscaling: s % 3 === 0 ? { min: 2, max: 6 } : undefined,
        env: { LOG_LEVEL: 'info' },
      };
    }
    systems.push({
      name,
      owner: `team-${i % 17}`,
      description: `synthetic system ${i}`,
      services,
      database: { storage: '10Gi' },
      topics: { events: { partitions: 6 } },
      jobs: {
        nightly: {
          image: pinned(`registry.acme.example/${name}/svc-0:1.${variant}.0`),
          schedule: '0 3 * * *',
          database: 'readwrite',
        },
      },
    });
  }
  return systems;
}

export function systemName(i: number): string {
  return `sys-${String(i).padStart(4, '0')}`;
}
