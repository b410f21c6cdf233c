/**
 * `syskit verify` on a real node against the manifests syskit synthesizes (applied as they are,
 * server-side): every flow matches the declaration, and a NetworkPolicy deleted out of band
 * shows up as exactly the flow it opened or closed. Then `cluster down` leaves nothing behind.
 *
 * Needs root (network namespace, mounts, cgroups) and the Debian packages of .ci/run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startCluster, stopCluster, type Cluster } from '../../cluster';
import { parseFleet } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { synthesize } from '../../synth/synthesize';
import { applyManifest, installCrds, kubectl, SETUP_TIMEOUT_MS, TEARDOWN_TIMEOUT_MS } from './helpers';
import { startOutsideListener, type OutsideListener } from './outside';
import { syskitProcess, type CliResult } from './platform';

const ROOT = path.resolve(__dirname, '../..');
const SYSTEMS = 'test/fixtures/node-fleet/systems.ts';
const ENVIRONMENTS = 'test/fixtures/node-fleet/environments.ts';

type Run = CliResult;

describe('verify on a real node proves the flows of the synthesized manifests', () => {
  let cluster: Cluster;
  let outside: OutsideListener | undefined;
  const kc = () => cluster.kubeconfig;

  beforeAll(async () => {
    cluster = await startCluster({
      node: true,
      log: process.env.SYSKIT_E2E_VERBOSE ? (line) => process.stderr.write(`${line}\n`) : undefined,
    });
    await installCrds(cluster.kubeconfig);
    const fleet = parseFleet(
      loadDeclarations(path.join(ROOT, SYSTEMS)),
      loadDeclarations(path.join(ROOT, ENVIRONMENTS)),
    );
    const env = fleet.environments.filter((e) => e.name === 'node-test');
    const result = await synthesize(fleet, env, fleet.systems, { jobs: 1 });
    const files = new Map(
      (result.files.get('node-test') ?? [])
        .filter((f) => f.file.endsWith('.yaml'))
        .map((f) => [f.file, f.content] as const),
    );
    // Platform first (namespaces), then the systems; Gatekeeper's constraints need Gatekeeper.
    for (const name of ['platform.yaml', ...[...files.keys()].filter((f) => f !== 'platform.yaml').sort()]) {
      const objects = parseAllDocuments(files.get(name)!)
        .map((d) => d.toJSON() as { apiVersion?: string })
        .filter((o) => o && !String(o.apiVersion).startsWith('constraints.gatekeeper.sh/'));
      await applyManifest(
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
        cluster.kubeconfig,
      );
    }
    for (const ns of ['shop', 'ledger'])
      await kubectl(
        ['wait', '--for=condition=Available', 'deployment', '--all', '-n', ns, '--timeout=300s'],
        kc(),
        {
          timeoutMs: 320_000,
        },
      );
    outside = startOutsideListener(cluster.netns!, 18080);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    outside?.stop();
    await cluster?.stop();
  }, TEARDOWN_TIMEOUT_MS);

  function verify(): Promise<Run> {
    const args = ['verify', '--env', 'node-test', '--systems', SYSTEMS, '--environments', ENVIRONMENTS];
    args.push('--kubeconfig', kc(), '--outside', outside!.address);
    return syskitProcess(args, {}, SETUP_TIMEOUT_MS);
  }

  const expectExit = (r: Run, code: number) => {
    if (r.code !== code)
      throw new Error(`syskit exited ${r.code}, expected ${code}:\n${r.stdout}\n${r.stderr.slice(-4000)}`);
  };

  it('passes: every declared flow connects, every other one and the outside are refused, DNS resolves', async () => {
    const r = await verify();
    expectExit(r, 0);
    expect(r.stdout).toMatch(/^verify node-test: all 42 flows match the declaration$/m);
    expect(r.stdout).toContain(
      '  orders      -       open      closed      open            closed          open  closed',
    );
    expect(r.ms).toBeLessThan(60_000);
    const left = await kubectl(['get', 'pods', '-A', '-l', 'syskit.io/verify-run', '-o', 'name'], kc());
    expect(left.stdout.trim()).toBe('');
  }, 120_000);

  it('names the flow that closed when an allow policy is deleted out of band', async () => {
    const saved = (
      await kubectl(['get', 'networkpolicy', 'entries-ingress', '-n', 'ledger', '-o', 'json'], kc())
    ).stdout;
    await kubectl(['delete', 'networkpolicy', 'entries-ingress', '-n', 'ledger'], kc());
    try {
      const r = await verify();
      expectExit(r, 1);
      const differences = r.stdout.slice(
        r.stdout.indexOf('Differences:'),
        r.stdout.indexOf('\n\n', r.stdout.indexOf('Differences:')),
      );
      expect(
        differences
          .split('\n')
          .slice(1)
          .map((l) => l.trim().split(' (')[0]),
      ).toEqual(['shop/orders -> ledger/entries']);
      expect(differences).toContain(
        'CLOSED, expected open because shop/orders declares a call to ledger/entries',
      );
    } finally {
      await kubectl(['apply', '-f', '-'], kc(), { input: restorable(saved) });
    }
  }, 120_000);

  it('names the flow that opened when the default-deny policy is deleted out of band', async () => {
    const saved = (
      await kubectl(['get', 'networkpolicy', 'default-deny', '-n', 'ledger', '-o', 'json'], kc())
    ).stdout;
    await kubectl(['delete', 'networkpolicy', 'default-deny', '-n', 'ledger'], kc());
    try {
      const r = await verify();
      expectExit(r, 1);
      // audit has no ingress policy of its own: without the default-deny, anything without an
      // egress policy (the gateway's namespace) reaches it.
      expect(r.stdout).toContain('gateway -> ledger/audit');
      expect(r.stdout).toMatch(
        /gateway -> ledger\/audit \([\d.:]+\): OPENED, expected closed because ledger\/audit has no public route/,
      );
    } finally {
      await kubectl(['apply', '-f', '-'], kc(), { input: restorable(saved) });
    }
  }, 120_000);
});

const podNetnsFiles = () =>
  fs.existsSync('/run/netns') ? fs.readdirSync('/run/netns').filter((f) => f.startsWith('cni-')) : [];

describe('cluster down', () => {
  it(
    'removes every process, mount, cgroup and network namespace the node added',
    async () => {
      const before = podNetnsFiles();
      const cluster = await startCluster({ node: true });
      const netns = cluster.netns!;
      await kubectl(
        [
          'run',
          'sleeper',
          '--image=syskit.local/test-service:0.1.0',
          '--restart=Never',
          '--',
          'serve',
          '--http=8080',
        ],
        cluster.kubeconfig,
      );
      await kubectl(['wait', '--for=condition=Ready', 'pod/sleeper', '--timeout=120s'], cluster.kubeconfig, {
        timeoutMs: 150_000,
      });
      await stopCluster(cluster.dir);
      expect(fs.existsSync(cluster.dir)).toBe(false);
      expect(fs.existsSync(`/run/netns/${netns}`)).toBe(false);
      expect(fs.readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(cluster.dir);
      expect(fs.readdirSync('/sys/fs/cgroup/memory').filter((d) => d === netns)).toEqual([]);
      const ours = fs
        .readdirSync('/proc')
        .filter((p) => /^\d+$/.test(p))
        .filter((p) => {
          try {
            return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(cluster.dir);
          } catch {
            return false;
          }
        });
      expect(ours).toEqual([]);
      // The pod's own network namespace file, which the runtime pins outside the folder, went too.
      expect(podNetnsFiles().filter((f) => !before.includes(f))).toEqual([]);
    },
    SETUP_TIMEOUT_MS,
  );
});

/** A live object's JSON, stripped of what the server owns, so it can be applied again. */
function restorable(json: string): string {
  const o = JSON.parse(json) as { metadata: Record<string, unknown> };
  for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'managedFields'])
    delete o.metadata[k];
  return JSON.stringify(o);
}
