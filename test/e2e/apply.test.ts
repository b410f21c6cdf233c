import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { environments as longLived } from '../../environments';
import { parseFleet } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { synthesize } from '../../synth/synthesize';
import { writeOutput, PLATFORM_FILE } from '../../synth/engine';
import { barmanCloudCrdsDir } from '../../tools/upstream-crds';
import { podTemplates } from '../pod-templates';
import { constraintCrds } from './constraint-crds';
import {
  installCrds,
  kubectl,
  SETUP_TIMEOUT_MS,
  startTestControlPlane,
  TEARDOWN_TIMEOUT_MS,
  waitFor,
  waitForServiceAccount,
  type ControlPlane,
} from './helpers';

/**
 * Every manifest syskit writes, applied to a real API server: schemas, CRD structural schemas
 * and CEL rules, Pod Security admission, RBAC. The environments share one control plane and
 * are applied one after another, as a platform team would promote.
 */
describe('synthesized manifests on a real control plane', () => {
  let cp: ControlPlane;
  let out: string;
  const kc = () => cp.kubeconfig;
  const envNames = longLived.map((e) => e.name);

  beforeAll(async () => {
    out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-e2e-dist-')), 'dist');
    const fleet = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));
    const result = await synthesize(fleet, fleet.environments, fleet.systems, { jobs: 1 });
    writeOutput(out, result.files);
    cp = await startTestControlPlane();
    await installCrds(kc());
    // Backups go through the Barman Cloud plugin, whose ObjectStore CRD ships with the plugin.
    await installCrds(kc(), barmanCloudCrdsDir());
    await kubectl(['apply', '--server-side', '-f', '-'], kc(), {
      input: constraintCrds()
        .map((c) => stringify(c))
        .join('---\n'),
    });
    await kubectl(['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all'], kc(), {
      timeoutMs: 150_000,
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cp?.stop();
    if (out) fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  const filesOf = (env: string) => [
    PLATFORM_FILE,
    ...fs
      .readdirSync(path.join(out, env))
      .filter((f) => f.endsWith('.yaml') && f !== PLATFORM_FILE)
      .sort(),
  ];
  const apply = (env: string, file: string) =>
    kubectl(['apply', '--server-side', '--field-manager=syskit', '-f', path.join(out, env, file)], kc(), {
      allowFailure: true,
      timeoutMs: 180_000,
    });

  it.each(envNames)(
    'accepts every object of %s with zero rejections',
    async (env) => {
      // Every environment is applied into the same namespaces of one cluster, one after the
      // other; a StatefulSet's claim templates cannot change in place (Kubernetes forbids it), so
      // the previous environment's StatefulSets go first, as moving a real cluster between
      // environments would require too.
      await kubectl(['delete', 'statefulsets', '--all', '--all-namespaces', '--wait=true'], kc(), {
        allowFailure: true,
        timeoutMs: 120_000,
      });
      const rejected: string[] = [];
      for (const file of filesOf(env)) {
        const result = await apply(env, file);
        if (result.code !== 0) rejected.push(`${file}: ${result.stderr.trim()}`);
      }
      expect(rejected).toEqual([]);
    },
    600_000,
  );

  it.each(envNames)(
    'admits a Pod from every pod template of %s under Pod Security restricted, without warnings',
    async (env) => {
      const problems: string[] = [];
      for (const file of filesOf(env)) {
        const objects = parseAllDocuments(fs.readFileSync(path.join(out, env, file), 'utf8')).map((d) =>
          d.toJSON(),
        );
        for (const t of podTemplates(objects)) {
          const owner = objects.find(
            (o: any) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}` === t.where,
          );
          const namespace = owner.metadata.namespace;
          await waitForServiceAccount(namespace, kc());
          // A StatefulSet's controller adds one volume per claim template to each Pod it creates.
          const claims: any[] = owner.kind === 'StatefulSet' ? (owner.spec.volumeClaimTemplates ?? []) : [];
          const spec = claims.length
            ? {
                ...t.spec,
                volumes: [
                  ...((t.spec as any).volumes ?? []),
                  ...claims.map((c: any) => ({
                    name: c.metadata.name,
                    persistentVolumeClaim: { claimName: `${c.metadata.name}-${owner.metadata.name}-0` },
                  })),
                ],
              }
            : t.spec;
          const pod = {
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `probe-${owner.metadata.name}`.slice(0, 63), namespace },
            spec,
          };
          // Admission rejects Pods only; a template's Pod through a dry run proves the template.
          const result = await kubectl(['create', '--dry-run=server', '-f', '-'], kc(), {
            input: JSON.stringify(pod),
            allowFailure: true,
          });
          if (result.code !== 0 || /Warning/i.test(result.stderr))
            problems.push(`${t.where}: ${result.stderr.trim()}`);
        }
      }
      expect(problems).toEqual([]);
    },
    600_000,
  );

  it('changes no object when the same manifests are applied again', async () => {
    const versions = async () => {
      const list = await kubectl(
        [
          'get',
          'deploy,svc,sa,networkpolicy,cronjob,httproute,kongplugin,authorizationpolicy,peerauthentication,clusters.postgresql.cnpg.io,resourcequota,limitrange',
          '-A',
          '-o',
          'json',
        ],
        kc(),
      );
      return Object.fromEntries(
        (JSON.parse(list.stdout).items as any[]).map((o) => [
          `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`,
          o.metadata.resourceVersion,
        ]),
      );
    };
    const env = 'prod';
    for (const file of filesOf(env)) expect((await apply(env, file)).code).toBe(0);
    const before = await versions();
    expect(Object.keys(before).length).toBeGreaterThan(50);
    for (const file of filesOf(env)) expect((await apply(env, file)).code).toBe(0);
    expect(await versions()).toEqual(before);
  }, 600_000);

  it('removes everything in a system namespace when the namespace is deleted', async () => {
    const count = async () => {
      const r = await kubectl(
        ['get', 'deploy,svc,sa,networkpolicy,httproute,cronjob', '-n', 'fulfillment', '-o', 'name'],
        kc(),
        { allowFailure: true },
      );
      return r.stdout.split('\n').filter(Boolean).length;
    };
    expect(await count()).toBeGreaterThan(5);
    await kubectl(['delete', 'namespace', 'fulfillment', '--wait=false'], kc());
    await waitFor(
      'namespace fulfillment to be gone',
      async () =>
        (await kubectl(['get', 'namespace', 'fulfillment'], kc(), { allowFailure: true })).code !== 0,
      180_000,
    );
    expect(await count()).toBe(0);
  }, 240_000);
});
