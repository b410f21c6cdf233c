import { parseFleet, resolve, type EnvironmentInput, type SystemInput } from '../../model';
import { policyRuleNames } from '../../policies/catalog';
import { compareEnvironment } from '../../review/fleet-diff';
import dev from '../../environments/dev';
import { accounts, shop } from '../fixtures/fleet';

export interface Sides {
  systems: SystemInput[];
  environment: EnvironmentInput;
}

/** The fixture fleet in dev, fresh for each change. */
export function fixture(): Sides {
  return { systems: structuredClone([shop, accounts]), environment: structuredClone(dev) };
}

/** What the model comparison reports between two versions of a fleet, in one environment. */
export function delta(before: Sides, after: Sides) {
  const side = (s: Sides) => {
    const fleet = parseFleet(s.systems, [s.environment], { policyRules: policyRuleNames() });
    const environment = fleet.environments[0];
    return { environment, systems: fleet.systems.map((x) => resolve(x, environment, fleet)) };
  };
  return compareEnvironment('dev', side(before), side(after), policyRuleNames());
}

/** Every change, system and platform, as compact rows. */
export function changesOf(before: Sides, after: Sides) {
  const d = delta(before, after);
  return [...d.platform.changes, ...d.systems.flatMap((s) => s.changes)].map(
    ({ kind, subject, before: b, after: a, risk }) => ({ kind, subject, before: b, after: a, risk }),
  );
}

/** Applies `change` to a copy of the fixture and returns what the comparison reports. */
export function changesAfter(change: (s: Sides) => void) {
  const before = fixture();
  const after = fixture();
  change(after);
  return changesOf(before, after);
}
