import { SystemChart } from '../../constructs/system-chart';
import { testApp } from '../cdk8s';
import {
  parseFleet,
  resolve,
  type EnvironmentInput,
  type ResolvedSystem,
  type SystemInput,
} from '../../model';
import { accounts, shop } from '../fixtures/fleet';

/** Resolves one system of the fixture fleet (or of `systems`) in one environment. */
export function resolveIn(
  env: EnvironmentInput,
  system = 'shop',
  systems: SystemInput[] = [shop, accounts],
): ResolvedSystem {
  const fleet = parseFleet(systems, [env]);
  return resolve(fleet.byName.get(system)!, fleet.environments[0], fleet);
}

/** Every object the SystemChart writes for a resolved system. */
export function chartObjects(system: ResolvedSystem): any[] {
  return new SystemChart(testApp(), system.name, { system }).toJson();
}

/** A per-pull-request environment on top of a long-lived one, as the ephemeral tooling makes it. */
export function ephemeral(base: EnvironmentInput, name: string): EnvironmentInput {
  return {
    ...base,
    name,
    database: { instances: 1, pooler: false },
    ephemeral: { base: base.name, ttlHours: 24, createdAt: '2026-11-01T00:00:00.000Z' },
  };
}

export function find(objects: any[], kind: string, name: string): any {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
}

export function ofKind(objects: any[], kind: string): any[] {
  return objects.filter((o) => o.kind === kind);
}

/** The pod template of a Deployment or CronJob. */
export function podTemplate(objects: any[], kind: 'Deployment' | 'CronJob', name: string): any {
  const o = find(objects, kind, name);
  return kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template;
}
