import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import type { Environment } from '../model';
import {
  constraintFor,
  gatekeeperConfig,
  loadPolicies,
  type PolicyEnvironment,
  type PolicyRule,
} from '../policies/catalog';

export interface GatekeeperPoliciesProps {
  readonly environment: Environment;
  /** @default - every rule in policies/ */
  readonly rules?: readonly PolicyRule[];
}

/** What the policy catalog needs to know of an environment. */
export function policyEnvironmentOf(env: Environment): PolicyEnvironment {
  return {
    name: env.name,
    domain: env.domain,
    allowedRegistries: [...env.policy.allowedRegistries],
    mesh: env.mesh.provider,
    enforcement: env.policy.enforcement,
    ruleEnforcement: { ...env.policy.rules },
    exemptImages: [...env.policy.exemptImages],
  };
}

/**
 * The platform's guardrails in the cluster: every rule's ConstraintTemplate, one Constraint per
 * rule with the environment's enforcement action (`dryrun` in dev, `deny` in prod), and the
 * Gatekeeper Config that syncs the kinds referential rules read. `syskit validate` runs the very
 * same Rego before apply.
 */
export class GatekeeperPolicies extends Construct {
  constructor(scope: Construct, id: string, props: GatekeeperPoliciesProps) {
    super(scope, id);
    const rules = props.rules ?? loadPolicies();
    const env = policyEnvironmentOf(props.environment);
    for (const rule of rules) {
      const template = rule.template as {
        apiVersion: string;
        kind: string;
        metadata: Record<string, unknown>;
      };
      new ApiObject(this, `template-${rule.name}`, template);
    }
    for (const rule of rules) {
      const constraint = constraintFor(rule, env) as {
        apiVersion: string;
        kind: string;
        metadata: Record<string, unknown>;
      };
      new ApiObject(this, `constraint-${rule.name}`, constraint);
    }
    const config = gatekeeperConfig([...rules]) as {
      apiVersion: string;
      kind: string;
      metadata: Record<string, unknown>;
    };
    new ApiObject(this, 'config', config);
  }
}
