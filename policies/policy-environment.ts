import type { Environment } from '../model';
import type { PolicyEnvironment } from './catalog';

/**
 * What the policy catalog needs to know of an environment. Apart from the constructs that write
 * the constraints, so that `syskit validate` can evaluate a fleet without loading cdk8s.
 */
export function policyEnvironmentOf(env: Environment): PolicyEnvironment {
  return {
    name: env.name,
    domain: env.domain,
    allowedRegistries: [...env.policy.allowedRegistries],
    mesh: env.mesh.provider,
    enforcement: env.policy.enforcement,
    ruleEnforcement: { ...env.policy.rules },
    exemptImages: [...env.policy.exemptImages],
    requireDigests: env.policy.requireDigests,
  };
}
