import { stringify } from 'yaml';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { ARGOCD_NAMESPACE } from '../../delivery/argocd';
import { FLUX_NAMESPACE } from '../../delivery/flux';
import { gitOpsFiles } from '../../delivery/gitops-layout';
import { parseObjects } from '../../delivery/units';
import { parseFleet } from '../../model';
import { renderEnvironment } from '../../synth/engine';
import {
  createNamespace,
  installCrds,
  kubectl,
  SETUP_TIMEOUT_MS,
  startTestControlPlane,
  TEARDOWN_TIMEOUT_MS,
  type ControlPlane,
} from './helpers';

/**
 * The Argo CD and Flux objects syskit writes, applied server-side to a real API server with the
 * pinned upstream CRDs installed: structural schemas, enums and CEL rules, as a cluster running
 * Argo CD or Flux would check them.
 */
describe('GitOps objects on a real control plane', () => {
  let cp: ControlPlane;
  const kc = () => cp.kubeconfig;
  const fleet = parseFleet([commerce, fulfillment, identity], environments);

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await installCrds(kc());
    await createNamespace(ARGOCD_NAMESPACE, kc());
    await createNamespace(FLUX_NAMESPACE, kc());
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cp?.stop();
  }, TEARDOWN_TIMEOUT_MS);

  it.each(fleet.environments.flatMap((e) => [[e.name, 'argocd'] as const, [e.name, 'flux'] as const]))(
    'accepts the %s objects for %s',
    async (name, tool) => {
      const env = fleet.environments.find((e) => e.name === name)!;
      const files = renderEnvironment(fleet, env, fleet.systems);
      const layout = gitOpsFiles(
        env,
        {
          platform: files.find((f) => f.system === undefined)?.content,
          systems: files.filter((f) => f.system).map((f) => ({ name: f.system!, content: f.content })),
        },
        { tool, repo: 'https://git.acme.example/platform.git', root: 'dist' },
      );
      const objects = parseObjects(layout.get(`${tool}/objects.yaml`)!);
      const applied = await kubectl(
        ['apply', '--server-side', '--field-manager=syskit-e2e', '-o', 'name', '-f', '-'],
        kc(),
        { input: objects.map((o) => stringify(o)).join('---\n') },
      );
      expect(applied.stdout.trim().split('\n')).toHaveLength(objects.length);
    },
    120_000,
  );
});
