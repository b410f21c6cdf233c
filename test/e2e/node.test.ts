/**
 * A real node, applied to with `syskit up`: the test fleet's pods start and become ready (`up`
 * waits for it), run as UID 10001 on a read-only root, a CronJob's Job completes, `syskit verify`
 * proves every flow, and a service with a wrong probe path fails `up` with the pod and the
 * reason. (test/e2e/node-verify.test.ts deletes policies out of band.)
 *
 * Needs root (network namespace, mounts, cgroups) and the Debian packages of .ci/run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startCluster, type Cluster } from '../../cluster';
import { installCrds, kubectl, SETUP_TIMEOUT_MS, TEARDOWN_TIMEOUT_MS } from './helpers';
import { startOutsideListener, type OutsideListener } from './outside';
import { syskitProcess, type CliResult } from './platform';

const FLEET = [
  '--systems',
  'test/fixtures/node-fleet/systems.ts',
  '--environments',
  'test/fixtures/node-fleet/environments.ts',
];
const OUTSIDE_PORT = 18080;

type Run = CliResult;

describe('a real node runs the declared systems and verify proves their flows', () => {
  let cluster: Cluster;
  let state: string;
  let outside: OutsideListener | undefined;
  const kc = () => cluster.kubeconfig;

  beforeAll(async () => {
    const verbose = !!process.env.SYSKIT_E2E_VERBOSE;
    cluster = await startCluster({
      node: true,
      log: verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
    await installCrds(cluster.kubeconfig);
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-node-state-'));
    // A listener beyond the node, outside the pod network: the address no workload may reach.
    outside = startOutsideListener(cluster.netns!, OUTSIDE_PORT);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    outside?.stop();
    await cluster?.stop();
    if (state) fs.rmSync(state, { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  function syskit(...args: string[]): Promise<Run> {
    return syskitWith({}, ...args);
  }
  function syskitWith(extraEnv: Record<string, string>, ...args: string[]): Promise<Run> {
    return syskitProcess(
      args,
      { SYSKIT_STATE_DIR: state, PULUMI_CONFIG_PASSPHRASE: 'e2e-only', ...extraEnv },
      SETUP_TIMEOUT_MS,
    );
  }

  const verify = () =>
    syskit('verify', '--env', 'node-test', ...FLEET, '--kubeconfig', kc(), '--outside', outside!.address);
  const expectExit = (r: Run, code: number) => {
    if (r.code !== code)
      throw new Error(`syskit exited ${r.code}, expected ${code}:\n${r.stdout}\n${r.stderr.slice(-4000)}`);
  };

  it('applies the fleet and waits until every Deployment is Available', async () => {
    const r = await syskit(
      'up',
      '--env',
      'node-test',
      ...FLEET,
      '--kubeconfig',
      kc(),
      '--no-constraints',
      '-q',
    );
    expectExit(r, 0);
    for (const ns of ['shop', 'ledger']) {
      const deployments = JSON.parse(
        (await kubectl(['get', 'deploy', '-n', ns, '-o', 'json'], kc())).stdout,
      ) as {
        items: { metadata: { name: string }; status: { availableReplicas?: number } }[];
      };
      for (const d of deployments.items)
        expect([d.metadata.name, d.status.availableReplicas]).toEqual([d.metadata.name, 1]);
    }
  }, 900_000);

  it('runs every pod as UID 10001 on a read-only root with a writable /tmp', async () => {
    // The test service checks all three itself and stays unready otherwise; readiness proves them.
    const pods = JSON.parse((await kubectl(['get', 'pods', '-n', 'shop', '-o', 'json'], kc())).stdout) as {
      items: {
        metadata: { name: string };
        status: { conditions: { type: string; status: string }[] };
        spec: {
          securityContext: { runAsUser?: number };
          containers: { securityContext: { readOnlyRootFilesystem?: boolean } }[];
        };
      }[];
    };
    expect(pods.items.length).toBeGreaterThanOrEqual(3);
    for (const pod of pods.items) {
      expect([pod.metadata.name, pod.status.conditions.find((c) => c.type === 'Ready')?.status]).toEqual([
        pod.metadata.name,
        'True',
      ]);
      expect(pod.spec.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    }
  }, 60_000);

  it("runs a CronJob's Job to completion", async () => {
    await kubectl(['create', 'job', 'reconcile-now', '--from=cronjob/reconcile', '-n', 'shop'], kc());
    await kubectl(
      ['wait', '--for=condition=Complete', 'job/reconcile-now', '-n', 'shop', '--timeout=120s'],
      kc(),
      {
        timeoutMs: 150_000,
      },
    );
    await kubectl(['delete', 'job', 'reconcile-now', '-n', 'shop', '--wait=true'], kc());
  }, 200_000);

  it('verify passes: every declared flow connects, every other one is refused, DNS resolves', async () => {
    const r = await verify();
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^verify node-test: all \d+ flows match the declaration$/m);
    expect(r.ms).toBeLessThan(60_000);
    // No probe pod is left behind.
    const left = await kubectl(['get', 'pods', '-A', '-l', 'syskit.io/verify-run', '-o', 'name'], kc());
    expect(left.stdout.trim()).toBe('');
  }, 120_000);

  it('fails up within its timeout, naming the pod that never became ready and why', async () => {
    // A second environment on the same cluster: its stack carries the same cluster-wide platform
    // objects as node-test's, so server-side apply must be allowed to take their fields over.
    const r = await syskitWith(
      { PULUMI_K8S_ENABLE_PATCH_FORCE: 'true' },
      'up',
      '--env',
      'node-test-broken',
      '--systems',
      'test/fixtures/node-fleet/broken.ts',
      '--environments',
      'test/fixtures/node-fleet/environments.ts',
      '--kubeconfig',
      kc(),
      '--no-constraints',
      '--await-timeout',
      '60',
      '-q',
    );
    expectExit(r, 3);
    expect(r.stderr).toMatch(
      /broken\/api-[a-z0-9]+-[a-z0-9]+: not ready: Readiness probe failed: HTTP probe failed with statuscode: 404/,
    );
    expect(r.ms).toBeLessThan(240_000);
  }, 300_000);
});
