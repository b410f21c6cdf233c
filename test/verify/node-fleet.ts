import { parseFleet, resolve, type ResolvedSystem } from '../../model';
import environments from '../fixtures/node-fleet/environments';
import systems from '../fixtures/node-fleet/systems';

/** The node's test fleet, resolved for its environment. */
export function nodeFleet(): ResolvedSystem[] {
  const fleet = parseFleet(systems, environments);
  return fleet.systems.map((s) =>
    resolve(
      s,
      fleet.environments.find((e) => e.name === 'node-test')!,
      fleet,
    ),
  );
}
