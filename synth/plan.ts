import { didYouMean, parseFleet, type Environment, type Fleet, type System } from '../model';
import { policyRuleNames } from '../policies/catalog';
import { UsageError } from './errors';

export interface Selection {
  /** Environment names to render. @default - all */
  readonly environments?: readonly string[];
  /** System names to render. @default - all */
  readonly systems?: readonly string[];
}

/**
 * Parses and cross-checks the fleet, then picks what the selection names. Apart from the renderer
 * so that commands which only read the model (graph, diff, impact) never load cdk8s.
 */
export function plan(
  systemInputs: readonly unknown[],
  environmentInputs: readonly unknown[],
  selection: Selection = {},
): { fleet: Fleet; environments: Environment[]; systems: System[] } {
  const fleet = parseFleet(systemInputs, environmentInputs, { policyRules: policyRuleNames() });
  const environments = pick('environment', fleet.environments, selection.environments);
  const systems = pick('system', fleet.systems, selection.systems);
  return { fleet, environments, systems };
}

function pick<T extends { name: string }>(what: string, all: readonly T[], names?: readonly string[]): T[] {
  if (!names || names.length === 0) return [...all];
  const byName = new Map(all.map((x) => [x.name, x]));
  const unknown = names.filter((n) => !byName.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      unknown
        .map(
          (n) =>
            `unknown ${what} "${n}"${didYouMean(n, byName.keys())}; known: ${[...byName.keys()].join(', ')}`,
        )
        .join('\n'),
    );
  }
  return [...new Set(names)].map((n) => byName.get(n)!);
}
