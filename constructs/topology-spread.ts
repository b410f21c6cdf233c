import { selectorLabels } from './labels';

/**
 * Spreads a workload's replicas over nodes (and zones, where the environment's cluster has them),
 * so one node or zone going down takes at most its share. Across nodes the scheduler must keep
 * the difference at one replica; across zones it tries, since zones rarely have equal room.
 * Deployments count only the pods of their current ReplicaSet (`pod-template-hash`), so a
 * rollout is not held back by the pods it is replacing.
 */
export function topologySpreadConstraints(
  name: string,
  owner: 'Deployment' | 'StatefulSet',
  zones: boolean,
): Record<string, unknown>[] {
  const base = {
    maxSkew: 1,
    labelSelector: { matchLabels: selectorLabels(name) },
    ...(owner === 'Deployment' ? { matchLabelKeys: ['pod-template-hash'] } : {}),
  };
  return [
    { ...base, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' },
    ...(zones
      ? [{ ...base, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }]
      : []),
  ];
}
