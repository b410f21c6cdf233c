import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { deriveEphemeral } from '../../environments/ephemeral';
import { SYNC_WAVE, WAVE_LABEL } from '../../delivery/argocd';
import { gitOpsFiles } from '../../delivery/gitops-layout';
import type { GitOpsOptions } from '../../delivery/options';
import { parseObjects } from '../../delivery/units';
import { parseFleet, type Environment } from '../../model';
import { crdsDir } from '../../tools/upstream-crds';
import { renderEnvironment } from '../../synth/engine';
import { CrdSchemas } from '../constructs/crd-schema';

const fleet = parseFleet([commerce, fulfillment, identity], environments);
const env = (name: string) => fleet.environments.find((e) => e.name === name)!;
const options = (tool: 'argocd' | 'flux'): GitOpsOptions => ({
  tool,
  repo: 'https://git.acme.example/platform.git',
  revision: 'main',
  root: 'dist',
});

/** The GitOps files of one environment, from the same rendering `syskit synth` writes. */
const rendered = new Map<string, ReturnType<typeof renderEnvironment>>();
function layout(environment: Environment, tool: 'argocd' | 'flux') {
  if (!rendered.has(environment.name))
    rendered.set(environment.name, renderEnvironment(fleet, environment, fleet.systems));
  const files = rendered.get(environment.name)!;
  return gitOpsFiles(
    environment,
    {
      platform: files.find((f) => f.system === undefined)?.content,
      systems: files.filter((f) => f.system).map((f) => ({ name: f.system!, content: f.content })),
    },
    options(tool),
  );
}

describe('GitOps output', () => {
  let schemas: CrdSchemas;
  beforeAll(async () => {
    schemas = CrdSchemas.load(await crdsDir(), ['argo-cd.yaml', 'flux.yaml']);
  });

  it.each(environments.flatMap((e) => [[e.name, 'argocd'] as const, [e.name, 'flux'] as const]))(
    'writes %s objects for %s that the upstream CRDs accept',
    (name, tool) => {
      const objects = parseObjects(layout(env(name), tool).get(`${tool}/objects.yaml`)!);
      expect(objects.length).toBeGreaterThan(0);
      expect(objects.flatMap((o) => schemas.validate(o))).toEqual([]);
    },
  );

  it('catches an Application field Argo CD does not know', () => {
    const app = parseObjects(layout(env('staging'), 'argocd').get('argocd/objects.yaml')!)[0] as any;
    app.spec.source.kustomise = {};
    expect(schemas.validate(app)).toEqual([
      'Application/staging-platform .spec.source.kustomise: unknown field',
    ]);
  });

  it('gives an environment on one cluster an Application per system and platform stage, in waves', () => {
    const apps = parseObjects(layout(env('staging'), 'argocd').get('argocd/objects.yaml')!) as any[];
    expect(apps.map((a) => [a.metadata.name, a.metadata.annotations[SYNC_WAVE]])).toEqual([
      ['staging-platform', '1'],
      ['staging-constraints', '2'],
      ['staging-commerce', '3'],
      ['staging-fulfillment', '3'],
      ['staging-identity', '3'],
    ]);
    const commerceApp = apps.find((a) => a.metadata.name === 'staging-commerce');
    expect(commerceApp.spec.source).toMatchObject({
      path: 'dist/staging/systems/commerce',
      targetRevision: 'main',
    });
    expect(commerceApp.spec.destination).toEqual({ server: 'https://staging.k8s.acme.example' });
    expect(apps.find((a) => a.metadata.name === 'staging-constraints').spec.syncPolicy.syncOptions).toContain(
      'SkipDryRunOnMissingResource=true',
    );
  });

  it('targets Argo CD’s own cluster when the environment declares none', () => {
    const apps = parseObjects(layout(env('dev'), 'argocd').get('argocd/objects.yaml')!) as any[];
    for (const app of apps)
      expect(app.spec.destination).toEqual({ server: 'https://kubernetes.default.svc' });
  });

  it('delivers an environment on three clusters with one ApplicationSet rolled out wave by wave', () => {
    const objects = parseObjects(layout(env('prod'), 'argocd').get('argocd/objects.yaml')!) as any[];
    expect(objects.map((o) => o.kind)).toEqual(['ApplicationSet']);
    const [set] = objects;
    const [clusters, list] = set.spec.generators[0].matrix.generators;
    expect(clusters.clusters.selector.matchExpressions[0].values).toEqual([
      'prod-eu-west-1',
      'prod-us-east-1',
      'prod-ap-southeast-1',
    ]);
    expect(list.list.elements.map((e: any) => [e.application, e.wave])).toEqual([
      ['platform', '1'],
      ['constraints', '2'],
      ['commerce', '3'],
      ['fulfillment', '3'],
      ['identity', '3'],
    ]);
    expect(set.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions[0].values)).toEqual([
      ['1'],
      ['2'],
      ['3'],
    ]);
    expect(set.spec.template.metadata.labels[WAVE_LABEL]).toBe('{{.wave}}');
    expect(set.spec.template.spec.destination).toEqual({ server: '{{.server}}' });
  });

  it('chains Flux Kustomizations along the apply order, per cluster', () => {
    const objects = parseObjects(layout(env('prod'), 'flux').get('flux/objects.yaml')!) as any[];
    const ks = objects.filter((o) => o.kind === 'Kustomization');
    const deps = (name: string) =>
      (ks.find((k) => k.metadata.name === name).spec.dependsOn ?? []).map((d: any) => d.name);
    expect(ks).toHaveLength(3 * 8);
    expect(deps('prod-prod-eu-west-1-platform')).toEqual([]);
    expect(deps('prod-prod-eu-west-1-constraints')).toEqual(['prod-prod-eu-west-1-platform']);
    expect(deps('prod-prod-eu-west-1-commerce-foundation')).toEqual(['prod-prod-eu-west-1-constraints']);
    expect(deps('prod-prod-eu-west-1-commerce-workloads')).toEqual([
      'prod-prod-eu-west-1-commerce-foundation',
    ]);
    const workloads = ks.find((k) => k.metadata.name === 'prod-prod-us-east-1-commerce-workloads').spec;
    expect(workloads.kubeConfig).toEqual({ secretRef: { name: 'prod-us-east-1-kubeconfig' } });
    expect(workloads.healthChecks).toEqual(
      expect.arrayContaining([
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders', namespace: 'commerce' },
        { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', name: 'commerce-db', namespace: 'commerce' },
      ]),
    );
    expect(ks.find((k) => k.metadata.name === 'prod-prod-us-east-1-platform').spec.wait).toBe(true);
  });

  it('delivers an ephemeral environment without a platform, on its base’s clusters', () => {
    const pr = deriveEphemeral(environments[2], {
      name: 'pr-7',
      createdAt: new Date('2026-11-01T00:00:00Z'),
    });
    const files = renderEnvironment(parseFleet([commerce, fulfillment, identity], [pr]), pr, fleet.systems);
    const out = gitOpsFiles(
      pr,
      { systems: files.map((f) => ({ name: f.system!, content: f.content })) },
      options('flux'),
    );
    expect([...out.keys()].some((k) => k.startsWith('platform/'))).toBe(false);
    const ks = parseObjects(out.get('flux/objects.yaml')!).filter((o) => o.kind === 'Kustomization') as any[];
    expect(ks.find((k) => k.metadata.name === 'pr-7-commerce-foundation').spec.dependsOn).toBeUndefined();
  });
});
