/**
 * How much a change deserves a reviewer's attention. `high` opens something to more callers than
 * before or weakens a guard (a public route, write access to data, a policy that stops denying);
 * `info` changes nothing a reviewer must decide on (more replicas, a raised limit).
 */
export type Risk = 'info' | 'low' | 'medium' | 'high';

export const RISKS: readonly Risk[] = ['info', 'low', 'medium', 'high'];

export function isRisk(value: string): value is Risk {
  return (RISKS as readonly string[]).includes(value);
}

/** The greater of two risks; `undefined` when both are. */
export function maxRisk(a: Risk | undefined, b: Risk | undefined): Risk | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return RISKS.indexOf(a) >= RISKS.indexOf(b) ? a : b;
}

/** Whether `risk` is `threshold` or above it. */
export function atLeast(risk: Risk | undefined, threshold: Risk): boolean {
  return risk !== undefined && RISKS.indexOf(risk) >= RISKS.indexOf(threshold);
}
