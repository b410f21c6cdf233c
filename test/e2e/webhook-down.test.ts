import * as fs from 'node:fs';
import * as path from 'node:path';
import { GATEKEEPER_WEBHOOK, validatingWebhook } from '../../cluster';
import { freePorts } from '../../cluster/http-checks';
import {
  applyManifest,
  installCrds,
  SETUP_TIMEOUT_MS,
  startTestControlPlane,
  TEARDOWN_TIMEOUT_MS,
  type ControlPlane,
} from './helpers';
import { syskitProcess, tempDir } from './platform';

/**
 * A platform webhook that is down: registered as the local cluster registers Gatekeeper (fail
 * closed, short timeout), but nothing answers at its URL. `syskit up` must fail soon, naming the
 * webhook and the object it could not admit, and never wait without end.
 */
describe('syskit up against a webhook that is down', () => {
  let cp: ControlPlane;
  let state: string;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await installCrds(cp.kubeconfig);
    state = tempDir('syskit-webhook-down-');
    const [closedPort] = await freePorts(1);
    await applyManifest(
      JSON.stringify(
        validatingWebhook({
          configName: 'gatekeeper-validating-webhook-configuration',
          webhookName: GATEKEEPER_WEBHOOK,
          url: `https://127.0.0.1:${closedPort}/v1/admit`,
          caBundle: fs.readFileSync(path.join(cp.dir, 'pki', 'ca.crt'), 'utf8'),
          rules: [
            {
              apiGroups: [''],
              apiVersions: ['v1'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['namespaces'],
            },
          ],
          namespaceSelector: { matchExpressions: [{ key: 'syskit.io/system', operator: 'Exists' }] },
        }),
      ),
      cp.kubeconfig,
    );
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cp?.stop();
    if (state) fs.rmSync(state, { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  it(
    'fails with exit 3 within minutes, naming the webhook and the object',
    async () => {
      const r = await syskitProcess(
        ['up', '--env', 'dev', '--kubeconfig', cp.kubeconfig, '--skip-await', '--no-constraints', '-q'],
        { SYSKIT_STATE_DIR: state, PULUMI_CONFIG_PASSPHRASE: 'e2e-only' },
        10 * 60_000,
      );
      if (r.code !== 3)
        throw new Error(`syskit up exited ${r.code} after ${r.ms} ms:\n${r.stderr.slice(-4000)}`);
      expect(r.ms).toBeLessThan(5 * 60_000);
      expect(r.stderr).toMatch(
        new RegExp(
          `admission webhook "${GATEKEEPER_WEBHOOK.replace(/\./g, '\\.')}" could not be called for Namespace \\S+`,
        ),
      );
    },
    11 * 60_000,
  );
});
