import { parseAllDocuments } from 'yaml';
import { SYSKIT_VERSION } from '../../constructs/recommended-labels';
import { fleetHostnames, imageVersion, parseFleet, resolve } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { renderPlatform, renderSystemObjects } from '../../synth/render';

const RECOMMENDED = [
  'app.kubernetes.io/name',
  'app.kubernetes.io/part-of',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/version',
];

type Obj = { kind: string; metadata: { name: string; labels?: Record<string, string> } };

describe("the README's promise: every object carries app.kubernetes.io/{name,part-of,managed-by,version}", () => {
  const fleet = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));

  it.each(['dev', 'prod'])('holds for every object of every system and the platform in %s', (name) => {
    const env = fleet.environments.find((e) => e.name === name)!;
    const objects: Obj[] = [
      ...fleet.systems.flatMap((s) => renderSystemObjects(resolve(s, env, fleet)) as Obj[]),
      ...parseAllDocuments(renderPlatform(env, fleetHostnames(fleet.systems, env))).map(
        (d) => d.toJSON() as Obj,
      ),
    ];
    expect(objects.length).toBeGreaterThan(150);
    const lacking = objects.flatMap((o) =>
      RECOMMENDED.filter((k) => !o.metadata.labels?.[k]).map((k) => `${o.kind}/${o.metadata.name}: ${k}`),
    );
    expect(lacking).toEqual([]);
  });

  it("labels a workload's objects with the workload and its image version, the rest with the system and syskit's version", () => {
    const env = fleet.environments.find((e) => e.name === 'prod')!;
    const objects = renderSystemObjects(resolve(fleet.byName.get('commerce')!, env, fleet)) as Obj[];
    const labels = (kind: string, name: string) => {
      const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
      return [
        o?.metadata.labels?.['app.kubernetes.io/name'],
        o?.metadata.labels?.['app.kubernetes.io/version'],
      ];
    };
    const orders = imageVersion(fleet.byName.get('commerce')!.services.orders.image);
    expect(labels('HTTPRoute', 'orders-v1-orders')).toEqual(['orders', orders]);
    expect(labels('Deployment', 'orders')).toEqual(['orders', orders]);
    expect(labels('Namespace', 'commerce')).toEqual(['commerce', SYSKIT_VERSION]);
    expect(labels('ResourceQuota', 'system-quota')).toEqual(['commerce', SYSKIT_VERSION]);
  });
});
