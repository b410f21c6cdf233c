import { z } from 'zod';

/** CPU as Kubernetes writes it: cores (`0.5`, `2`) or millicores (`250m`). */
export const cpuQuantity = z
  .string()
  .regex(/^([0-9]+(\.[0-9]+)?|[0-9]+m)$/, { error: 'expected a CPU quantity like "250m" or "1"' });

/** Memory or storage in binary units (`128Mi`, `10Gi`). */
export const byteQuantity = z
  .string()
  .regex(/^[0-9]+(Ki|Mi|Gi|Ti)$/, { error: 'expected a quantity in Ki, Mi, Gi or Ti, like "256Mi"' });

export const resourceAmounts = z.strictObject({
  cpu: cpuQuantity.optional(),
  memory: byteQuantity.optional(),
  /** Node disk the container may fill: its writable layer, its logs and its `/tmp`. */
  ephemeralStorage: byteQuantity.optional(),
});

/** Requests and limits; whatever is left out comes from the environment's defaults. */
export const resourcesSchema = z.strictObject({
  requests: resourceAmounts.optional(),
  limits: resourceAmounts.optional(),
});
export type ResourcesInput = z.input<typeof resourcesSchema>;

/**
 * A container's size. `ephemeralStorage` is always set on the workloads syskit writes; containers
 * the platform injects leave it out and get the namespace LimitRange's default.
 */
export interface Resources {
  readonly requests: { readonly cpu: string; readonly memory: string; readonly ephemeralStorage?: string };
  readonly limits: { readonly cpu: string; readonly memory: string; readonly ephemeralStorage?: string };
}

/** Parses a CPU quantity into millicores, for comparisons only. */
export function millicores(cpu: string): number {
  return cpu.endsWith('m') ? Number(cpu.slice(0, -1)) : Math.round(Number(cpu) * 1000);
}

const UNITS: Record<string, number> = { Ki: 1, Mi: 1024, Gi: 1024 ** 2, Ti: 1024 ** 3 };

/** Parses a byte quantity into KiB, for comparisons only. */
export function kibibytes(quantity: string): number {
  const match = /^([0-9]+)(Ki|Mi|Gi|Ti)$/.exec(quantity);
  return match ? Number(match[1]) * UNITS[match[2]] : NaN;
}
