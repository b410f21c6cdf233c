import { ruleEnforcement, type Environment } from '../model';
import type { ChangeKind, Fact } from './change';

/** An environment and the names of the platform's policy rules, which the model does not know. */
export interface EnvironmentScope {
  readonly environment: Environment;
  readonly policyRules: readonly string[];
}

const ENFORCEMENT = ['dryrun', 'warn', 'deny'];

/**
 * What an environment decides for every system at once: the platform's guardrails. Reported under
 * the environment's `platform`, beside its systems.
 */
export const ENVIRONMENT_KINDS: readonly ChangeKind<EnvironmentScope>[] = [
  {
    kind: 'policy',
    category: 'security',
    compare: 'value',
    facts: ({ environment, policyRules }) =>
      new Map(policyRules.map((rule) => [rule, ruleEnforcement(environment, rule)])),
    // A rule that stops denying lets through what admission refused before.
    risk: (before, after) => {
      const b = ENFORCEMENT.indexOf(before as string);
      const a = ENFORCEMENT.indexOf(after as string);
      return a >= b ? 'low' : before === 'deny' ? 'high' : 'medium';
    },
  },
  {
    kind: 'mesh.mtls',
    category: 'security',
    compare: 'value',
    facts: ({ environment }) => new Map([['mesh', environment.mesh.mtls]]),
    // PERMISSIVE accepts plaintext, so a workload outside the mesh can call without an identity.
    risk: (_before, after) => (after === 'PERMISSIVE' ? 'high' : 'low'),
  },
  {
    kind: 'registry',
    category: 'security',
    compare: 'presence',
    facts: ({ environment }) =>
      new Map<string, Fact>(environment.policy.allowedRegistries.map((r) => [r, 'allowed'])),
    risk: (before) => (before === undefined ? 'medium' : 'low'),
  },
];
