import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { barmanCloudCrdsDir, crdsDir } from '../../tools/upstream-crds';
import { extAuthzHostEntry } from '../../stacks/addons';
import { renderEnvironment } from '../../synth/engine';
import { everyMeshFleets } from './every-mesh-fleet';

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
    const crds = new Set([...served(await crdsDir()), ...served(barmanCloudCrdsDir())]);
    const objects = [
      ...everyMeshFleets().flatMap((fleet) =>
        fleet.environments.flatMap((env) =>
          renderEnvironment(fleet, env, fleet.systems).flatMap((f) =>
            parseAllDocuments(f.content).map((d) => d.toJSON() as any),
          ),
        ),
      ),
      // The one custom resource the add-ons stack writes itself.
      extAuthzHostEntry() as any,
    ];
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
      'gateway.networking.k8s.io/v1 HTTPRoute',
      'configuration.konghq.com/v1 KongPlugin',
      'security.istio.io/v1 AuthorizationPolicy',
      'networking.istio.io/v1 ServiceEntry',
      'postgresql.cnpg.io/v1 Cluster',
      'barmancloud.cnpg.io/v1 ObjectStore',
      'kafka.strimzi.io/v1 KafkaUser',
      'policy.linkerd.io/v1beta3 Server',
      'policy.linkerd.io/v1beta3 HTTPRoute',
      'policy.linkerd.io/v1alpha1 EgressNetwork',
      'gateway.networking.k8s.io/v1 TLSRoute',
      'templates.gatekeeper.sh/v1 ConstraintTemplate',
    ])
      expect({ kind, written: written.has(kind) }).toEqual({ kind, written: true });
  }, 300_000);
});
