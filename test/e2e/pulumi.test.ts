import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalWorkspace } from '@pulumi/pulumi/automation';
import { workspaceOptions } from '../../stacks/automation';
import { readStackSettings } from '../../stacks/stack-config';
import { EPHEMERAL_PROJECT } from '../../stacks/stack-names';
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
import { startS3Server, type S3Server } from './s3-server';

const ROOT = path.resolve(__dirname, '../..');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * The real Pulumi engine (CLI, language host and Kubernetes provider built from their Go
 * modules by scripts/tools.sh) applying syskit's stacks to a real control plane, through the
 * `syskit` CLI a user runs. A local file backend, and an S3 backend served by moto on loopback.
 */
describe('syskit up / preview / drift / env / destroy with Pulumi on a real control plane', () => {
  let cp: ControlPlane;
  let state: string;
  let environmentsDir: string;

  beforeAll(async () => {
    cp = await startTestControlPlane();
    await installCrds(cp.kubeconfig);
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-pulumi-state-'));
    environmentsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-envs-'));
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cp?.stop();
    for (const dir of [state, environmentsDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  /** Runs the CLI in its own process group, so a test can kill it and every child like a crash would. */
  function start(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/syskit.js'), ...args], {
      cwd: ROOT,
      env: {
        ...process.env,
        SYSKIT_STATE_DIR: state,
        PULUMI_CONFIG_PASSPHRASE: 'e2e-only',
        SYSKIT_LOCK_DELAY_MS: '2000',
        SYSKIT_LOCK_ATTEMPTS: '300',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<Run>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
    });
    return { child, done };
  }
  const syskit = (...args: string[]) => start(args).done;

  const target = () => ['--kubeconfig', cp.kubeconfig, '--skip-await', '--no-constraints', '-q'];
  const expectOk = (r: Run) => {
    if (r.code !== 0)
      throw new Error(`syskit exited ${r.code}:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-4000)}`);
  };

  /** Writes the example environments with `dev` changed, for `--environments`. */
  function environmentsWith(devOverrides: object): string {
    fs.rmSync(environmentsDir, { recursive: true, force: true });
    fs.mkdirSync(environmentsDir);
    for (const env of loadDeclarations(path.join(ROOT, 'environments')) as { name: string }[]) {
      const changed = env.name === 'dev' ? { ...env, overrides: devOverrides } : env;
      fs.writeFileSync(path.join(environmentsDir, `${env.name}.json`), JSON.stringify(changed));
    }
    return environmentsDir;
  }

  /**
   * What a client wrote to each declared object of the systems: its content without `status`
   * and the server's own metadata. Controllers keep writing status (a CronJob's last schedule,
   * a quota's usage) and create objects of their own (Jobs, Pods), so neither the resource
   * version nor the set of owned objects says whether an apply touched a system.
   */
  async function writtenContentOf(systems: string[]): Promise<Map<string, string>> {
    const kinds = (await kubectl(['api-resources', '--verbs=list', '-o', 'name'], cp.kubeconfig)).stdout
      .split('\n')
      .filter((k) => k && !/^(events|.*\.events\.k8s\.io|componentstatuses)$/.test(k));
    const items = JSON.parse(
      (
        await kubectl(
          [
            'get',
            kinds.join(','),
            '-A',
            '-l',
            `syskit.io/system in (${systems.join(',')}),syskit.io/environment=dev`,
            '-o',
            'json',
          ],
          cp.kubeconfig,
        )
      ).stdout,
    ).items as {
      kind: string;
      metadata: {
        namespace?: string;
        name: string;
        ownerReferences?: unknown[];
        labels?: unknown;
        annotations?: unknown;
      };
      status?: unknown;
    }[];
    return new Map(
      items
        .filter((o) => !o.metadata.ownerReferences)
        .map(({ status: _status, metadata, ...content }) => [
          `${content.kind}/${metadata.namespace ?? ''}/${metadata.name}`,
          JSON.stringify({ labels: metadata.labels, annotations: metadata.annotations, ...content }),
        ]),
    );
  }

  /** The ephemeral project's workspace, opened in this process on the test's backend. */
  async function ephemeralWorkspace() {
    const saved = { ...process.env };
    process.env.SYSKIT_STATE_DIR = state;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'e2e-only';
    try {
      return await LocalWorkspace.create(await workspaceOptions(EPHEMERAL_PROJECT));
    } finally {
      process.env = saved;
    }
  }

  const deploymentsIn = async (ns: string) =>
    (await kubectl(['get', 'deploy', '-n', ns, '-o', 'name'], cp.kubeconfig, { allowFailure: true })).stdout;
  const replicasOf = async (ns: string, name: string) =>
    JSON.parse((await kubectl(['get', 'deploy', name, '-n', ns, '-o', 'json'], cp.kubeconfig)).stdout).spec
      .replicas;

  it('applies an environment: the platform, then one stack per system', async () => {
    // A single system cannot go first: it needs the platform's namespaces and CRDs.
    const early = await syskit('up', '--env', 'dev', '--system', 'commerce', ...target());
    expect(early.code).toBe(2);
    expect(early.stderr).toContain(
      'the platform of dev has not been applied (no stack dev.platform); run "syskit up --env dev" once',
    );
    expect(
      (await kubectl(['get', 'namespace', 'commerce'], cp.kubeconfig, { allowFailure: true })).code,
    ).not.toBe(0);

    const r = await syskit('up', '--env', 'dev', ...target());
    expectOk(r);
    expect(r.stdout).toMatch(/^dev: \d+ create$/m);
    for (const part of ['platform', 'commerce', 'fulfillment', 'identity']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${part}: \\d+ create$`, 'm'));
    }
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
  }, 1_800_000);

  it('tags every stack of the environment with it and the owner from Pulumi.dev.yaml', async () => {
    process.env.SYSKIT_STATE_DIR = state;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'e2e-only';
    const workspace = await LocalWorkspace.create(await workspaceOptions());
    for (const stack of ['dev.platform', 'dev.commerce']) {
      expect(await workspace.listTags(stack)).toMatchObject({
        'syskit:environment': 'dev',
        'syskit:owner': readStackSettings(ROOT, 'dev').owner,
      });
    }
  });

  it('previews no changes after an apply', async () => {
    const r = await syskit('preview', '--env', 'dev', ...target());
    expectOk(r);
    expect(r.stdout.trim()).toBe('dev: no changes');
  }, 900_000);

  it('previews exactly the change of one override, field by field with --diff', async () => {
    const dir = environmentsWith({ commerce: { services: { cart: { replicas: 2 } } } });
    const r = await syskit('preview', '--env', 'dev', '--environments', dir, '--diff', ...target());
    expectOk(r);
    const lines = r.stdout.trimEnd().split('\n');
    // cart now has two replicas: its Deployment and the namespace quota (sized from replica
    // counts) change, and it gains a PodDisruptionBudget. Nothing else moves.
    expect(lines[0]).toBe('dev: 1 create, 2 update');
    expect(lines[1]).toBe('  commerce: 1 create, 2 update');
    expect(lines).toContain('    Deployment commerce/cart: update');
    expect(lines).toContain('      spec.replicas: 1 -> 2');
    expect(lines).toContain('    PodDisruptionBudget commerce/cart: create');
    expect(lines.filter((l) => /^ {2}\S/.test(l))).toEqual(['  commerce: 1 create, 2 update']);
  }, 900_000);

  it('applies --system commerce and leaves every other system and the platform untouched', async () => {
    // Both commerce and fulfillment change in the declarations; only commerce is asked for.
    const dir = environmentsWith({
      commerce: { services: { cart: { replicas: 2 } } },
      fulfillment: { services: { carriers: { replicas: 2 } } },
    });
    const others = await writtenContentOf(['fulfillment', 'identity']);
    const gateway = (await kubectl(['get', 'gateway', 'kong', '-n', 'kong', '-o', 'json'], cp.kubeconfig))
      .stdout;

    const preview = await syskit(
      'preview',
      '--env',
      'dev',
      '--system',
      'commerce',
      '--environments',
      dir,
      ...target(),
    );
    expectOk(preview);
    expect(preview.stdout.trim()).toBe('dev: 1 create, 2 update');

    const r = await syskit('up', '--env', 'dev', '--system', 'commerce', '--environments', dir, ...target());
    expectOk(r);
    expect(r.stdout.split('\n')[0]).toBe('dev: 1 create, 2 update');
    expect(await replicasOf('commerce', 'cart')).toBe(2);
    expect(await writtenContentOf(['fulfillment', 'identity'])).toEqual(others);
    expect(others.size).toBeGreaterThan(50);
    expect(await replicasOf('fulfillment', 'carriers')).toBe(1);
    expect(
      JSON.parse(
        (await kubectl(['get', 'gateway', 'kong', '-n', 'kong', '-o', 'json'], cp.kubeconfig)).stdout,
      ).metadata.resourceVersion,
    ).toBe(JSON.parse(gateway).metadata.resourceVersion);

    // Back to the declarations as they are, again for commerce alone.
    expectOk(await syskit('up', '--env', 'dev', '--system', 'commerce', ...target()));
    expect(await replicasOf('commerce', 'cart')).toBe(1);
  }, 1_800_000);

  it('reports drift by system and owner, exits 1, and up restores it', async () => {
    const policy = (
      await kubectl(['get', 'networkpolicy', '-n', 'identity', '-o', 'name'], cp.kubeconfig)
    ).stdout
      .split('\n')
      .filter(Boolean)
      .sort()[0]
      .replace(/^.*\//, '');
    await kubectl(['scale', 'deployment', 'cart', '-n', 'commerce', '--replicas=3'], cp.kubeconfig);
    await kubectl(['delete', 'networkpolicy', policy, '-n', 'identity'], cp.kubeconfig);

    const drift = await syskit('drift', '--env', 'dev', ...target());
    expect(drift.code).toBe(1);
    const lines = drift.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('dev: 2 objects changed out of band');
    const commerce = lines.indexOf('  commerce (owner commerce-team)');
    expect(commerce).toBeGreaterThan(0);
    expect(lines.slice(commerce + 1, commerce + 3)).toEqual([
      '    Deployment commerce/cart: changed',
      '      spec.replicas: 1 -> 3',
    ]);
    const identity = lines.findIndex((l) => /^ {2}identity \(owner [^)]+\)$/.test(l));
    expect(lines[identity + 1]).toBe(`    NetworkPolicy identity/${policy}: deleted`);
    // drift changes nothing: a second look sees the same.
    expect((await syskit('drift', '--env', 'dev', ...target())).code).toBe(1);

    expectOk(await syskit('up', '--env', 'dev', ...target()));
    expect(await replicasOf('commerce', 'cart')).toBe(1);
    expect((await kubectl(['get', 'networkpolicy', policy, '-n', 'identity'], cp.kubeconfig)).code).toBe(0);
    const clean = await syskit('drift', '--env', 'dev', ...target());
    expectOk(clean);
    expect(clean.stdout.trim()).toBe('dev: no drift');
  }, 1_800_000);

  it('converges after an apply killed with SIGKILL half-way, without manual steps', async () => {
    const destroyed = await syskit('destroy', '--env', 'dev', '--system', 'fulfillment', '--yes', '-q');
    expectOk(destroyed);
    await waitFor(
      'namespace fulfillment to be gone',
      async () =>
        (await kubectl(['get', 'namespace', 'fulfillment'], cp.kubeconfig, { allowFailure: true })).code !==
        0,
      180_000,
    );
    const run = start(['up', '--env', 'dev', '--system', 'fulfillment', ...target()]);
    // Kill the whole process group (syskit, the Pulumi CLI, the provider) once the apply has
    // created some objects but not all: a CI runner losing its machine.
    await waitFor(
      'the interrupted apply to create the namespace',
      async () =>
        (await kubectl(['get', 'namespace', 'fulfillment'], cp.kubeconfig, { allowFailure: true })).code ===
        0,
      600_000,
      100,
    );
    process.kill(-run.child.pid!, 'SIGKILL');
    const killed = await run.done;
    expect(killed.code).not.toBe(0);

    const again = await syskit(
      'up',
      '--env',
      'dev',
      '--system',
      'fulfillment',
      ...target().filter((a) => a !== '-q'),
    );
    expectOk(again);
    expect(again.stderr).toMatch(/dev\.fulfillment: (clearing a stale lock|an interrupted run had left)/);
    expect(await deploymentsIn('fulfillment')).toContain('deployment.apps/shipments');
    const preview = await syskit('preview', '--env', 'dev', '--system', 'fulfillment', ...target());
    expectOk(preview);
    expect(preview.stdout.trim()).toBe('dev: no changes');
  }, 1_800_000);

  it('lets a second apply of one stack wait for the first, visibly, and both succeed', async () => {
    const first = start(['up', '--env', 'dev', '--system', 'identity', ...target()]);
    const second = start(['up', '--env', 'dev', '--system', 'identity', ...target()]);
    const [a, b] = await Promise.all([first.done, second.done]);
    expectOk(a);
    expectOk(b);
    expect(a.stderr + b.stderr).toMatch(
      /dev\.identity: locked by \S+ pid \d+; retrying in \d+s \(attempt 2 of 300\)/,
    );
    const preview = await syskit('preview', '--env', 'dev', '--system', 'identity', ...target());
    expectOk(preview);
    expect(preview.stdout.trim()).toBe('dev: no changes');
  }, 1_800_000);

  it('refuses an ephemeral environment named after a long-lived one and leaves its stacks alone', async () => {
    const stateFile = path.join(state, 'state', '.pulumi', 'stacks', 'syskit', 'dev.commerce.json');
    const before = fs.readFileSync(stateFile, 'utf8');
    const versions = await writtenContentOf(['commerce']);
    const r = await syskit('env', 'up', 'dev', '--from', 'dev', ...target());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"dev" is a long-lived environment');
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(before);
    expect(await writtenContentOf(['commerce'])).toEqual(versions);
    const down = await syskit('env', 'down', 'dev', '-q');
    expect(down.code).toBe(2);
    expect(fs.readFileSync(stateFile, 'utf8')).toBe(before);
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
    expect(await deploymentsIn('commerce-pr-2')).toContain('deployment.apps/orders');
    // The base environment is untouched by its ephemeral children.
    expect(await deploymentsIn('commerce')).toContain('deployment.apps/orders');

    const list = await syskit('env', 'list', '-q');
    expectOk(list);
    const rows = list.stdout.trim().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+BASE\s+AGE\s+EXPIRES\s+CREATOR$/);
    expect(rows.slice(1).map((r) => r.split(/\s+/).slice(0, 2).join(' '))).toEqual(['pr-1 dev', 'pr-2 dev']);

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
    // No Vault here: the collected environment's Vault objects are named as left, with the command that removes them.
    expect(gc.stdout.trim().split('\n')).toEqual([
      expect.stringMatching(
        /^pr-2: Vault objects left: VAULT_ADDR is not set .*; run "syskit vault remove --env pr-2 --namespace commerce-pr-2( --namespace [a-z-]+-pr-2)*" once Vault is reachable$/,
      ),
      'destroyed pr-2',
    ]);
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

    // The same name on another base is refused before anything is written.
    const commercePr3 = await writtenContentOf(['commerce']);
    const otherBase = await syskit('env', 'up', 'pr-3', '--from', 'qa', ...target());
    expect(otherBase.code).toBe(2);
    expect(otherBase.stderr).toContain('ephemeral environment "pr-3" already exists on base "dev"');
    expect(await writtenContentOf(['commerce'])).toEqual(commercePr3);

    // A name whose hosts meet pr-3's is refused too, naming both: with a system routed at host
    // "3-shop", environment "pr" would serve "pr-3-shop", which pr-3's shop already serves.
    const systemsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-systems-'));
    for (const system of loadDeclarations(path.join(ROOT, 'charts')) as { name: string }[])
      fs.writeFileSync(path.join(systemsDir, `${system.name}.json`), JSON.stringify(system));
    fs.writeFileSync(
      path.join(systemsDir, 'promo.json'),
      JSON.stringify({
        name: 'promo',
        owner: 'growth-team',
        description: 'Promotions',
        services: {
          web: {
            image: `registry.acme.example/promo/web:1.0.0@sha256:${'a'.repeat(64)}`,
            port: 8080,
            routes: [{ host: '3-shop', path: '/promo', auth: 'none' }],
          },
        },
      }),
    );
    const stacksBefore = fs
      .readdirSync(path.join(state, 'state', '.pulumi', 'stacks', EPHEMERAL_PROJECT))
      .sort();
    const neighbour = await syskit('env', 'up', 'pr', '--from', 'dev', '--systems', systemsDir, ...target());
    expect(neighbour.code).toBe(2);
    expect(neighbour.stderr).toContain(
      'system "promo" would use host "pr-3-shop", which system "commerce" of ephemeral environment "pr-3" already uses',
    );
    expect(fs.readdirSync(path.join(state, 'state', '.pulumi', 'stacks', EPHEMERAL_PROJECT)).sort()).toEqual(
      stacksBefore,
    );
    expect(await writtenContentOf(['commerce'])).toEqual(commercePr3);

    // A stack without the ephemeral tag is never destroyed by env down or env gc.
    const tags = await ephemeralWorkspace();
    await tags.removeTag('pr-3', 'syskit:ephemeral');
    const refused = await syskit('env', 'down', 'pr-3', '-q');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('has no syskit:ephemeral tag');
    const gcUntagged = await syskit('env', 'gc', '-q');
    expectOk(gcUntagged);
    expect(gcUntagged.stderr).toContain('stack pr-3 has no syskit:ephemeral tag; left alone');
    expect(await deploymentsIn('commerce-pr-3')).toContain('deployment.apps/orders');
    await tags.setTag('pr-3', 'syskit:ephemeral', 'true');
    expectOk(await syskit('env', 'down', 'pr-3', '-q'));
  }, 2_400_000);

  it('refuses to destroy without a terminal or a confirmation, naming what it would delete', async () => {
    const versions = await writtenContentOf(['commerce', 'fulfillment', 'identity']);
    const r = await syskit('destroy', '--env', 'dev', '-q');
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^dev: destroy deletes$/m);
    expect(r.stdout).toMatch(/^ {2}commerce: \d+ objects; namespace commerce \(stack dev\.commerce\)$/m);
    expect(r.stdout).toMatch(/^ {2}platform: \d+ objects/m);
    expect(r.stderr).toContain('rerun with --confirm dev (or --yes)');
    expect(await writtenContentOf(['commerce', 'fulfillment', 'identity'])).toEqual(versions);
    const wrong = await syskit('destroy', '--env', 'dev', '--confirm', 'prod', '-q');
    expect(wrong.code).toBe(2);
    expect(await writtenContentOf(['commerce', 'fulfillment', 'identity'])).toEqual(versions);
  }, 600_000);

  describe('with an S3 state backend (moto on loopback)', () => {
    let s3: S3Server;
    let backend: string;
    let secondCopy: string;

    beforeAll(async () => {
      s3 = await startS3Server(path.join(state, 'moto'));
      backend = await s3.backendUrl('syskit-state');
      // A second working copy: its own local state folder, the same team backend.
      secondCopy = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-second-copy-'));
    }, SETUP_TIMEOUT_MS);

    afterAll(async () => {
      await s3?.stop();
      if (secondCopy) fs.rmSync(secondCopy, { recursive: true, force: true });
    }, TEARDOWN_TIMEOUT_MS);

    const onS3 = (extra: Record<string, string> = {}) => ({
      ...s3.env,
      PULUMI_BACKEND_URL: backend,
      ...extra,
    });

    it('races two applies of one stack without losing either, and lists it from a second working copy', async () => {
      const args = ['env', 'up', 'pr-s3', '--from', 'dev', '--ttl', '48h', ...target()];
      const [a, b] = await Promise.all([start(args, onS3()).done, start(args, onS3()).done]);
      expectOk(a);
      expectOk(b);
      expect(a.stderr + b.stderr).toMatch(/pr-s3: locked by \S+ pid \d+; retrying/);
      expect(await deploymentsIn('commerce-pr-s3')).toContain('deployment.apps/orders');
      // Nothing of it went to the local file backend.
      expect(
        fs.existsSync(path.join(state, 'state', '.pulumi', 'stacks', 'syskit-ephemeral', 'pr-s3.json')),
      ).toBe(false);

      const list = await start(['env', 'list', '-q'], onS3({ SYSKIT_STATE_DIR: secondCopy })).done;
      expectOk(list);
      expect(
        list.stdout
          .trim()
          .split('\n')
          .slice(1)
          .map((r) => r.split(/\s+/).slice(0, 2).join(' ')),
      ).toEqual(['pr-s3 dev']);

      const down = await start(['env', 'down', 'pr-s3', '-q'], onS3({ SYSKIT_STATE_DIR: secondCopy })).done;
      expectOk(down);
      const empty = await start(['env', 'list', '-q'], onS3()).done;
      expect(empty.stdout.trim().split('\n')).toHaveLength(1);
    }, 1_800_000);
  });

  it('destroys an environment once confirmed', async () => {
    const r = await syskit('destroy', '--env', 'dev', '--confirm', 'dev', ...target());
    expectOk(r);
    expect(r.stdout).toMatch(/^dev: destroyed \(\d+ delete\)$/m);
    expect((await deploymentsIn('commerce')).trim()).toBe('');
  }, 1_800_000);
});
