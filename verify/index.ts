/**
 * Post-apply verification on a live cluster: every flow the declaration implies, tried from
 * probe pods that take each workload's identity, and compared with what the declaration says.
 */
import type { ResolvedSystem } from '../model';
import { expectedFlows, type FlowOptions } from './flows';
import { summarize, type VerifyReport } from './report';
import { runProbes, type RunOptions } from './run';

export { DEFAULT_GATEWAY_NAMESPACE, expectedFlows } from './flows';
export { DEFAULT_PROBE_IMAGE } from './probe-pod';
export { formatReport, type VerifyReport } from './report';

export type VerifyOptions = FlowOptions & RunOptions;

export async function verifyEnvironment(
  environment: string,
  systems: readonly ResolvedSystem[],
  opts: VerifyOptions = {},
): Promise<VerifyReport> {
  const flows = expectedFlows(systems, opts);
  return summarize(environment, await runProbes(flows, opts));
}
export { unreadyPods } from './readiness';
