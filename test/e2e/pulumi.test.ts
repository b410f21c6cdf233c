import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalWorkspace } from '@pulumi/pulumi/automation';
import { workspaceOptions } from '../../stacks/automation';
import { readStackSettings } from '../../stacks/stack-config';
import { loadDeclarations } from '../../synth/load';
import {
  installCrds,
  kubectl,
  waitFor,
  SETUP_TIMEOUT_MS,
  startTestControlPlane,
  TEARDOWN_TIMEOUT_MS,
  type ControlPlane,
} from './helpers';

const ROOT = path.resolve(__dirname, '../..');

/**
 * The real Pulumi engine (CLI, language host and Kubernetes provider built from their Go
 * modules by scripts/tools.sh) applying syskit's stacks to a real control plane, through the
 * `syskit` CLI a user runs. A local file backend; no network.
 */
describe('syskit up / preview / env / destroy with Pulumi on a real control plane', () => {
  let cp: ControlPlane;
  let state: string;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await installCrds(cp.kubeconfig);
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-pulumi-state-'));
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cp?.stop();
    if (state) fs.rmSync(state, { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  function syskit(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/syskit.js'), ...args], {
        cwd: ROOT,
        env: { ...process.env, SYSKIT_STATE_DIR: state, PULUMI_CONFIG_PASSPHRASE: 'e2e-only' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    });
  }

  const target = () => ['--kubeconfig', cp.kubeconfig, '--skip-await', '--no-constraints', '-q'];
  const expectOk = (r: { code: number; stdout: string; stderr: string }) => {
    if (r.code !== 0) throw new Error(`syskit exited ${r.code}:\n${r.stderr.slice(-4000)}`);
  };

  it('applies an environment: platform, then one component per system', async () => {
    const r = await syskit('up', '--env', 'dev', ...target());
    expectOk(r);
    expect(r.stdout).toMatch(/^dev: \d+ create$/m);
    expect(r.stdout).toContain('  https://shop.dev.acme.example/v1/orders');
    const deployments = await kubectl(['get', 'deploy', '-n', 'commerce', '-o', 'name'], cp.kubeconfig);
    expect(deployments.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'deployment.apps/cart',
      'deployment.apps/catalog',
      // orders asks for OPA authorization: the system's authorizer runs beside it.
      'deployment.apps/opa-authz',
      'deployment.apps/orders',
      'deployment.apps/payments',
    ]);
    expect(
      (await kubectl(['get', 'gateway', 'kong', '-n', 'kong', '-o', 'name'], cp.kubeconfig)).stdout.trim(),
    ).toBe('gateway.gateway.networking.k8s.io/kong');
  }, 1_200_000);

  it('tags the stack with its environment and the owner from Pulumi.dev.yaml', async () => {
    process.env.SYSKIT_STATE_DIR = state;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'e2e-only';
    const workspace = await LocalWorkspace.create(await workspaceOptions());
    const tags = await workspace.listTags('dev');
    expect(tags).toMatchObject({
      'syskit:environment': 'dev',
      'syskit:owner': readStackSettings(ROOT, 'dev').owner,
    });
  });

  it('previews no changes after an apply', async () => {
    const r = await syskit('preview', '--env', 'dev', ...target());
    expectOk(r);
    expect(r.stdout.trim()).toBe('dev: no changes');
  }, 600_000);

  it('previews exactly the change of one override', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-envs-'));
    try {
      for (const env of loadDeclarations(path.join(ROOT, 'environments')) as {
        name: string;
        overrides?: object;
      }[]) {
        const changed =
          env.name === 'dev'
            ? { ...env, overrides: { commerce: { services: { cart: { replicas: 2 } } } } }
            : env;
        fs.writeFileSync(path.join(dir, `${env.name}.json`), JSON.stringify(changed));
      }
      const r = await syskit('preview', '--env', 'dev', '--environments', dir, ...target());
      expectOk(r);
      // cart now has two replicas: its Deployment and the namespace quota (sized from replica
      // counts) change, and it gains a PodDisruptionBudget. Nothing else moves.
      expect(r.stdout.trim()).toBe('dev: 1 create, 2 update');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);

  it('runs ephemeral environments side by side: down leaves the others intact, gc collects only the expired', async () => {
    const one = await syskit('env', 'up', 'pr-1', '--from', 'dev', '--ttl', '48h', ...target());
    expectOk(one);
    expect(one.stdout).toContain('  https://pr-1-shop.dev.acme.example/v1/orders');
    const two = await syskit('env', 'up', 'pr-2', '--from', 'dev', '--ttl', '1m', ...target());
    expectOk(two);

    const ns = JSON.parse(
      (await kubectl(['get', 'namespace', 'commerce-pr-1', '-o', 'json'], cp.kubeconfig)).stdout,
    );
    expect(ns.metadata.labels['syskit.io/ephemeral']).toBe('true');
    expect(ns.metadata.annotations['syskit.io/ttl']).toBe('48h');
    expect(
      (await kubectl(['get', 'deploy', '-n', 'commerce-pr-2', '-o', 'name'], cp.kubeconfig)).stdout,
    ).toContain('deployment.apps/orders');
    // The base environment is untouched by its ephemeral children.
    expect(
      (
        await kubectl(['get', 'deploy', 'orders', '-n', 'commerce', '-o', 'name'], cp.kubeconfig)
      ).stdout.trim(),
    ).toBe('deployment.apps/orders');

    const list = await syskit('env', 'list', '-q');
    expectOk(list);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+BASE\s+AGE\s+EXPIRES$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(['pr-1 dev', 'pr-2 dev']);

    const deploymentsIn = async (ns: string) =>
      (await kubectl(['get', 'deploy', '-n', ns, '-o', 'name'], cp.kubeconfig, { allowFailure: true }))
        .stdout;
    const gone = (ns: string) =>
      waitFor(
        `namespace ${ns} to be gone`,
        async () =>
          (await kubectl(['get', 'namespace', ns], cp.kubeconfig, { allowFailure: true })).code !== 0,
        180_000,
      );

    // Tearing one down leaves the other as it was.
    const down = await syskit('env', 'down', 'pr-1', '-q');
    expectOk(down);
    expect(down.stdout).toMatch(/^pr-1: destroyed \(\d+ delete\), stack removed$/m);
    await gone('commerce-pr-1');
    expect(await deploymentsIn('commerce-pr-2')).toContain('deployment.apps/orders');

    // gc collects only what has expired: pr-2 (one minute) but not pr-3 (two days).
    const three = await syskit('env', 'up', 'pr-3', '--from', 'dev', '--ttl', '48h', ...target());
    expectOk(three);
    const expiry = Date.parse(
      JSON.parse((await kubectl(['get', 'namespace', 'commerce-pr-2', '-o', 'json'], cp.kubeconfig)).stdout)
        .metadata.annotations['syskit.io/expires-at'],
    );
    await new Promise((r) => setTimeout(r, Math.max(0, expiry - Date.now() + 1000)));
    const gc = await syskit('env', 'gc', '-q');
    expectOk(gc);
    expect(gc.stdout.trim()).toBe('destroyed pr-2');
    await gone('commerce-pr-2');
    expect(await deploymentsIn('commerce-pr-3')).toContain('deployment.apps/orders');

    const after = await syskit('env', 'list', '-q');
    expect(
      after.stdout
        .trim()
        .split('\n')
        .slice(1)
        .map((r) => r.split(/\s+/)[0]),
    ).toEqual(['pr-3']);
    expectOk(await syskit('env', 'down', 'pr-3', '-q'));
  }, 1_800_000);

  it('destroys an environment', async () => {
    const r = await syskit('destroy', '--env', 'dev', ...target());
    expectOk(r);
    expect(r.stdout).toMatch(/^dev: destroyed \(\d+ delete\)$/m);
    expect(
      (
        await kubectl(['get', 'deploy', '-n', 'commerce', '-o', 'name'], cp.kubeconfig, {
          allowFailure: true,
        })
      ).stdout.trim(),
    ).toBe('');
  }, 1_200_000);
});
