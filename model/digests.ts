import type { Environment } from './environment';
import { missingDigestReason } from './image';
import type { Issue } from './issues';
import type { System } from './system';

/**
 * Images an environment with `policy.requireDigests` would refuse: every workload's, and the OPA
 * image the environment itself names. Reported against the declaration, before the policy would
 * refuse the pods at admission.
 */
export function requiredDigestIssues(env: Environment, systems: readonly System[]): Issue[] {
  if (!env.policy.requireDigests) return [];
  const issues: Issue[] = [];
  const check = (path: string, image: string) => {
    const reason = missingDigestReason(image);
    if (reason)
      issues.push({
        path,
        message: `environment ${env.name} requires digests (policy.requireDigests): ${reason}`,
      });
  };
  for (const system of systems) {
    for (const kind of ['services', 'jobs'] as const) {
      for (const [name, workload] of Object.entries(system[kind]))
        check(`${system.name}.${kind}.${name}.image`, workload.image);
    }
  }
  check(`environments.${env.name}.mesh.opaImage`, env.mesh.opaImage);
  return issues;
}
