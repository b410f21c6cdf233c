import { parseFleet, resolve, type ResolvedSystem } from '../../model';
import environment from '../fixtures/node-fleet/environments';
import systems from '../fixtures/node-fleet/systems';

/** The node's test fleet, resolved for its environment. */
export function nodeFleet(): ResolvedSystem[] {
  const fleet = parseFleet(systems, [environment]);
  return fleet.systems.map((s) => resolve(s, fleet.environments[0], fleet));
}
