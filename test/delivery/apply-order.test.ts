import { recordResources, settle } from '../stacks/mocks';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { argoCdObjects } from '../../delivery/argocd';
import { fluxObjects } from '../../delivery/flux';
import { objectKey } from '../../delivery/kustomization';
import { deliveryUnits, type DeliveryUnit } from '../../delivery/units';
import { parseFleet } from '../../model';
import { APPLY_STAGES, stageIndex } from '../../stacks/apply-order';
import { environmentProgram } from '../../stacks/program';
import { renderEnvironment } from '../../synth/engine';

const recorded = recordResources();

/** The Pulumi program's ConfigGroups, named after what they apply, in the order it chains them. */
const PULUMI_STAGE: [RegExp, string][] = [
  [/^platform-objects$/, 'platform'],
  [/^platform-constraints$/, 'constraints'],
  [/-foundation$/, 'foundation'],
  [/-workloads$/, 'workloads'],
];

describe('the GitOps output follows the Pulumi program’s apply order', () => {
  const fleet = parseFleet([commerce, fulfillment, identity], environments);
  const staging = fleet.environments.find((e) => e.name === 'staging')!;
  let units: DeliveryUnit[];
  const pulumiStage = new Map<string, string>();

  beforeAll(async () => {
    await environmentProgram({ fleet, environment: staging, kubeconfig: '/dev/null', skipAwait: true })();
    await settle();
    for (const group of recorded.filter((r) => r.type === 'kubernetes:yaml/v2:ConfigGroup')) {
      const stage = PULUMI_STAGE.find(([pattern]) => pattern.test(group.name))![1];
      for (const o of group.inputs.objs) pulumiStage.set(objectKey(o), stage);
    }
    const files = renderEnvironment(fleet, staging, fleet.systems);
    units = deliveryUnits({
      platform: files.find((f) => f.system === undefined)!.content,
      systems: files.filter((f) => f.system).map((f) => ({ name: f.system!, content: f.content })),
    });
  });

  it('puts every object in the stage Pulumi applies it in', () => {
    const delivered = new Map(units.flatMap((u) => u.objects.map((o) => [objectKey(o), u.stage as string])));
    expect(delivered.size).toBeGreaterThan(100);
    expect(Object.fromEntries(delivered)).toEqual(Object.fromEntries(pulumiStage));
  });

  it('orders Argo CD sync waves as the stages', () => {
    const apps = argoCdObjects(staging, units, { tool: 'argocd', repo: 'r', root: 'dist' }) as any[];
    const wave = (name: string) =>
      Number(apps.find((a) => a.metadata.name === name).metadata.annotations['argocd.argoproj.io/sync-wave']);
    expect(wave('staging-platform')).toBe(stageIndex('platform'));
    expect(wave('staging-platform')).toBeLessThan(wave('staging-constraints'));
    expect(wave('staging-constraints')).toBeLessThan(wave('staging-commerce'));
  });

  it('makes every Flux Kustomization depend on the stage before its own', () => {
    const ks = fluxObjects(staging, units, { tool: 'flux', repo: 'r', root: 'dist' }).filter(
      (o) => o.kind === 'Kustomization',
    ) as any[];
    const stageOf = new Map(units.map((u) => [`staging-${u.name}`, u.stage]));
    for (const k of ks) {
      const stage = stageOf.get(k.metadata.name)!;
      for (const dep of k.spec.dependsOn ?? []) {
        expect(APPLY_STAGES.indexOf(stageOf.get(dep.name)!)).toBe(APPLY_STAGES.indexOf(stage) - 1);
      }
      if (stage !== 'platform') expect(k.spec.dependsOn?.length).toBeGreaterThan(0);
    }
  });
});
