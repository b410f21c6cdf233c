import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { deriveEphemeral } from '../../environments/ephemeral';
import { parseFleet } from '../../model';
import { barmanCloudCrdsDir, crdsDir } from '../../scripts/crds';
import { renderEnvironment } from '../../synth/engine';

/** The API groups Kubernetes itself serves, at the versions syskit writes. */
const BUILT_IN = new Set([
  'v1',
  'apps/v1',
  'batch/v1',
  'autoscaling/v2',
  'policy/v1',
  'networking.k8s.io/v1',
  'rbac.authorization.k8s.io/v1',
]);

/** `apiVersion kind` of every served version of every CRD in the folder. */
function served(dir: string): Set<string> {
  const out = new Set<string>();
  for (const file of fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f))) {
    for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
      const crd = doc.toJSON() as any;
      if (crd?.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions)
        if (v.served) out.add(`${crd.spec.group}/${v.name} ${crd.spec.names.kind}`);
    }
  }
  return out;
}

describe('every kind syskit writes', () => {
  it('is built into Kubernetes, served by a pinned CRD, or a constraint kind of a template it writes', async () => {
    const fleet = parseFleet(
      [commerce, fulfillment, identity],
      [
        ...environments,
        deriveEphemeral(environments[0], { name: 'pr-1', createdAt: new Date('2026-11-01T00:00:00Z') }),
      ],
    );
    const crds = new Set([...served(await crdsDir()), ...served(barmanCloudCrdsDir())]);
    const objects = fleet.environments.flatMap((env) =>
      renderEnvironment(fleet, env, fleet.systems).flatMap((f) =>
        parseAllDocuments(f.content).map((d) => d.toJSON() as any),
      ),
    );
    const constraintKinds = new Set(
      objects
        .filter((o) => o.kind === 'ConstraintTemplate')
        .map((t) => `constraints.gatekeeper.sh/v1beta1 ${t.spec.crd.spec.names.kind}`),
    );
    const written = new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`));
    const unserved = [...written].filter(
      (k) => !BUILT_IN.has(k.split(' ')[0]) && !crds.has(k) && !constraintKinds.has(k),
    );
    expect(unserved).toEqual([]);
    // The check sees the custom kinds it is about.
    for (const kind of [
      'HTTPRoute',
      'KongPlugin',
      'AuthorizationPolicy',
      'Cluster',
      'ObjectStore',
      'KafkaUser',
    ])
      expect([...written].some((k) => k.endsWith(` ${kind}`))).toBe(true);
  }, 300_000);
});
