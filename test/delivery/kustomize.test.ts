import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { SYNC_WAVE } from '../../delivery/argocd';
import { gitOpsFiles } from '../../delivery/gitops-layout';
import { objectKey } from '../../delivery/kustomization';
import { parseObjects } from '../../delivery/units';
import { parseFleet } from '../../model';
import { FOUNDATION_KINDS, type KubeObject } from '../../stacks/apply-order';
import { renderEnvironment } from '../../synth/engine';
import { BUILD_TIMEOUT_MS, run, toolPath } from '../policies/tools';

const fleet = parseFleet([commerce, fulfillment, identity], environments);
const sorted = (objects: readonly KubeObject[]) =>
  [...objects]
    .map((o) => JSON.parse(JSON.stringify(o)))
    .sort((a, b) => (objectKey(a) < objectKey(b) ? -1 : 1));

describe('kustomize build of the GitOps output', () => {
  let kustomize: string;
  let dir: string;
  beforeAll(() => {
    kustomize = toolPath('kustomize');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-gitops-'));
  }, BUILD_TIMEOUT_MS);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const build = (folder: string): KubeObject[] => {
    const result = run(kustomize, ['build', folder]);
    if (result.status !== 0) throw new Error(`kustomize build ${folder} failed:\n${result.stderr}`);
    return parseObjects(result.stdout);
  };

  it.each([
    ['dev', 'argocd'],
    ['staging', 'flux'],
    ['prod', 'argocd'],
    ['prod', 'flux'],
  ] as const)('renders every folder of %s (%s) to exactly the synthesized objects', (name, tool) => {
    const env = fleet.environments.find((e) => e.name === name)!;
    const plain = renderEnvironment(fleet, env, fleet.systems);
    const platform = parseObjects(plain.find((f) => f.system === undefined)!.content);
    const bySystem = new Map(plain.filter((f) => f.system).map((f) => [f.system!, parseObjects(f.content)]));
    const files = gitOpsFiles(
      env,
      {
        platform: plain.find((f) => f.system === undefined)!.content,
        systems: [...bySystem.keys()].map((s) => ({
          name: s,
          content: plain.find((f) => f.system === s)!.content,
        })),
      },
      { tool, repo: 'https://git.acme.example/platform.git', root: 'dist' },
    );
    const root = path.join(dir, `${name}-${tool}`);
    for (const [file, content] of files) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    const folders = [...files.keys()]
      .filter((f) => f.endsWith('kustomization.yaml'))
      .map((f) => path.dirname(f));
    const isConstraint = (o: KubeObject) => String(o.apiVersion).startsWith('constraints.gatekeeper.sh/');
    const expected = new Map<string, KubeObject[]>([
      ['.', [...platform, ...[...bySystem.values()].flat()]],
      ['platform', platform.filter((o) => !isConstraint(o))],
      ['constraints', platform.filter(isConstraint)],
      ['systems', [...bySystem.values()].flat()],
      [tool, parseObjects(files.get(`${tool}/objects.yaml`)!)],
      ...[...bySystem].map(([s, objects]) => [`systems/${s}`, objects] as [string, KubeObject[]]),
    ]);
    const checked: string[] = [];
    for (const folder of folders) {
      const built = build(path.join(root, folder));
      if (expected.has(folder)) {
        expect({ folder, objects: sorted(built) }).toEqual({
          folder,
          objects: sorted(expected.get(folder)!),
        });
      } else {
        // A stage of one system: its objects are exactly its share of the system's.
        const [, system, stage] = folder.split('/');
        const share = bySystem
          .get(system)!
          .filter((o) => FOUNDATION_KINDS.has(String(o.kind)) === (stage === 'foundation'));
        expect({ folder, objects: sorted(built) }).toEqual({ folder, objects: sorted(share) });
      }
      checked.push(folder);
    }
    expect(checked).toEqual(
      expect.arrayContaining(['.', 'platform', 'constraints', 'systems/commerce/foundation', tool]),
    );
  });

  it('puts a system’s foundation one sync wave ahead of its workloads when Argo CD applies the Application’s patches', () => {
    const env = fleet.environments.find((e) => e.name === 'staging')!;
    const plain = renderEnvironment(fleet, env, fleet.systems);
    const files = gitOpsFiles(
      env,
      { systems: plain.filter((f) => f.system).map((f) => ({ name: f.system!, content: f.content })) },
      { tool: 'argocd', repo: 'https://git.acme.example/platform.git', root: 'dist' },
    );
    const root = path.join(dir, 'argocd-patches');
    for (const [file, content] of files) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    const app = parseObjects(files.get('argocd/objects.yaml')!).find(
      (o: any) => o.metadata.name === 'staging-commerce',
    ) as any;
    // What Argo CD does with spec.source.kustomize.patches: add them to the folder's kustomization.
    fs.mkdirSync(path.join(root, 'as-argocd'));
    fs.writeFileSync(
      path.join(root, 'as-argocd', 'kustomization.yaml'),
      stringify({ resources: ['../systems/commerce'], patches: app.spec.source.kustomize.patches }),
    );
    const built = build(path.join(root, 'as-argocd')) as any[];
    const waves = new Map(
      built.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.annotations?.[SYNC_WAVE]]),
    );
    expect(waves.get('Namespace/commerce')).toBe('-1');
    expect(waves.get('AuthorizationPolicy/deny-all')).toBe('-1');
    expect(waves.get('Deployment/orders')).toBeUndefined();
    for (const o of built)
      expect(o.metadata.annotations?.[SYNC_WAVE] === '-1').toBe(FOUNDATION_KINDS.has(o.kind));
  });
});
