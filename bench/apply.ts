/**
 * `npm run bench -- --apply`: what `syskit up` costs against `kubectl apply --server-side` of the
 * same objects, on a local control plane (`syskit cluster up`, no node) in a temporary folder,
 * in one run. For each fleet (the examples, and synthetic fleets from bench/fleet.ts):
 *
 * - the manifests of `dev` are synthesized once (`syskit synth`), unchanged and after a
 *   one-system change (a dev override of one service's replicas);
 * - kubectl: a fresh `apply --server-side` of that folder, `diff --server-side` with nothing to
 *   change, and an `apply` of the changed folder;
 * - syskit: a fresh `up` (a new state folder), a second `up` with nothing to change, and an `up`
 *   after the change, whose output must name only the changed system's stack.
 *
 * Both tools start from the same cluster: the upstream CRDs and nothing else. For the examples,
 * every object of the folder is deleted between them (namespaces included, and waited for); for
 * fleets of thousands of objects a new control plane is started instead (about a minute with the
 * CRDs), since the controller manager takes many minutes to empty and remove their namespaces. Gatekeeper does
 * not run here, so both leave the constraints out (`--no-constraints`), and nothing waits for
 * readiness (`--skip-await`: without a node no pod ever becomes ready).
 *
 * Each command's wall time, CPU time (user + system of it and every child it waited for, from
 * bash's `times`) and the peak RSS of its whole process tree (the sum over its live descendants,
 * sampled from /proc) are recorded; with several rounds, the median of each.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dump, loadAll } from 'js-yaml';
import { environments as exampleEnvironments } from '../environments';
import { crdsDir } from '../tools/upstream-crds';
import { isConstraint } from '../stacks/apply-order';
import { syntheticFleet } from './fleet';

const root = path.resolve(__dirname, '..');
const syskitBin = path.join(root, 'bin/syskit.js');
const ENV = 'dev';
const FIELD_MANAGER = 'bench';

export interface Sample {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
}

export interface ApplyRow {
  readonly fleet: string;
  readonly systems: number;
  readonly objects: number;
  readonly rounds: number;
  /** `syskit up --stacks <n>`: how many system stacks were applied at once (0: syskit's default). */
  readonly stacks: number;
  /** `syskit up --parallel <n>` (0: syskit's default). */
  readonly parallel: number;
  readonly kubectlApply: Sample;
  readonly kubectlDiff: Sample;
  readonly kubectlChange: Sample;
  readonly upFresh: Sample;
  readonly upNoChange: Sample;
  readonly upChange: Sample;
  /** The stacks `up` reported changes for after the one-system change. */
  readonly changedStacks: readonly string[];
  readonly changedSystem: string;
}

interface FleetSpec {
  readonly name: string;
  /** Systems for `--systems`: the example charts, or a folder of generated JSON declarations. */
  readonly systemsPath: string;
  readonly systems: number;
  /** The system the change touches, and the dev override that changes it. */
  readonly changedSystem: string;
  readonly override: Record<string, unknown>;
}

/** Runs `argv` to completion; resolves with its stdout, wall, CPU and peak tree RSS. */
export function measureCommand(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = {},
  okCodes: readonly number[] = [0],
): Promise<Sample & { stdout: string; code: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-apply-bench-'));
  const out = path.join(dir, 'stdout');
  const err = path.join(dir, 'stderr');
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    // bash's `times` reports the CPU of the children it waited for (and theirs).
    const child = spawn(
      'bash',
      ['-c', '"$@" >"$BENCH_OUT" 2>"$BENCH_ERR"; status=$?; times; exit $status', '_', ...argv],
      {
        cwd: root,
        env: { ...process.env, ...env, BENCH_OUT: out, BENCH_ERR: err },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let times = '';
    child.stdout.on('data', (d: Buffer) => (times += d.toString()));
    let peak = 0;
    const sample = () => {
      if (child.pid !== undefined) peak = Math.max(peak, treeRssBytes(child.pid));
    };
    const timer = setInterval(sample, 200);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wallMs = performance.now() - t0;
      const stdout = fs.readFileSync(out, 'utf8');
      const stderr = fs.readFileSync(err, 'utf8');
      fs.rmSync(dir, { recursive: true, force: true });
      if (!okCodes.includes(code ?? -1)) {
        reject(
          new Error(`${argv.join(' ')} exited ${code}:\n${stdout.slice(-2000)}\n${stderr.slice(-4000)}`),
        );
        return;
      }
      const children = times.trim().split('\n')[1] ?? '';
      const seconds = children
        .trim()
        .split(/\s+/)
        .map((t) => {
          const m = /^(\d+)m([\d.]+)s$/.exec(t);
          if (!m) throw new Error(`unexpected times output: ${times}`);
          return Number(m[1]) * 60 + Number(m[2]);
        });
      resolve({
        stdout,
        code: code ?? -1,
        wallMs,
        cpuMs: (seconds[0] + seconds[1]) * 1000,
        peakRssMb: peak / 2 ** 20,
      });
    });
  });
}

const PAGE_BYTES = 4096;

/** The resident memory of a process and all its live descendants, from /proc. */
function treeRssBytes(rootPid: number): number {
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // The command name may hold spaces and parentheses: fields start after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const pid = Number(entry);
    const ppid = Number(fields[1]);
    rss.set(pid, Number(fields[21]) * PAGE_BYTES);
    children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  let total = 0;
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    total += rss.get(pid) ?? 0;
    queue.push(...(children.get(pid) ?? []));
  }
  return total;
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function medianSample(samples: readonly Sample[]): Sample {
  return {
    wallMs: median(samples.map((s) => s.wallMs)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
    peakRssMb: median(samples.map((s) => s.peakRssMb)),
  };
}

function node(...args: string[]): string[] {
  return [process.execPath, ...args];
}

async function syskit(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  return measureCommand(node(syskitBin, ...args), env);
}

async function kubectl(kubeconfig: string, args: readonly string[], okCodes?: readonly number[]) {
  return measureCommand(['kubectl', '--kubeconfig', kubeconfig, ...args], {}, okCodes);
}

/** Writes the environments as JSON, dev with `override` as its only overrides. */
function writeEnvironments(dir: string, override: Record<string, unknown>): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const env of exampleEnvironments) {
    const changed = env.name === ENV ? { ...env, overrides: override } : env;
    fs.writeFileSync(path.join(dir, `${env.name}.json`), JSON.stringify(changed));
  }
  return dir;
}

/**
 * The folder kubectl applies: dev's manifests as synth writes them, the platform first (its
 * namespaces hold the systems' objects) and without Gatekeeper constraints, as `--no-constraints`
 * leaves them out of `syskit up`. Returns the number of objects.
 */
function kubectlFolder(dist: string, to: string): number {
  fs.mkdirSync(to, { recursive: true });
  let objects = 0;
  for (const file of fs.readdirSync(path.join(dist, ENV)).filter((f) => f.endsWith('.yaml'))) {
    const docs = (
      loadAll(fs.readFileSync(path.join(dist, ENV, file), 'utf8')) as Record<string, unknown>[]
    ).filter((d) => d && !isConstraint(d));
    objects += docs.length;
    const name = file === 'platform.yaml' ? '0-platform.yaml' : `1-${file}`;
    fs.writeFileSync(path.join(to, name), docs.map((d) => dump(d, { lineWidth: -1 })).join('---\n'));
  }
  return objects;
}

function fleetSpecs(sizes: readonly number[], work: string, examples: boolean): FleetSpec[] {
  const specs: FleetSpec[] = [];
  if (examples) {
    specs.push({
      name: 'examples',
      systemsPath: path.join(root, 'charts'),
      systems: 3,
      changedSystem: 'commerce',
      override: { commerce: { services: { cart: { replicas: 2 } } } },
    });
  }
  for (const n of sizes) {
    const dir = path.join(work, `fleet-${n}`, 'systems');
    fs.mkdirSync(dir, { recursive: true });
    const systems = syntheticFleet(n);
    for (const s of systems) fs.writeFileSync(path.join(dir, `${s.name}.json`), JSON.stringify(s));
    const changed = systems[Math.floor(n / 2)].name;
    specs.push({
      name: `${n} systems`,
      systemsPath: dir,
      systems: n,
      changedSystem: changed,
      // svc-1 has no autoscaler, so its replicas are the Deployment's to set.
      override: { [changed]: { services: { 'svc-1': { replicas: 2 } } } },
    });
  }
  return specs;
}

/** The stacks `syskit up` printed a change for (`  <part>: <changes>` lines). */
export function changedStacks(stdout: string): string[] {
  return [...stdout.matchAll(/^ {2}([\w.-]+): (.+)$/gm)].map((m) => m[1]);
}

export interface ApplyBenchOptions {
  /** Sizes of the synthetic fleets, besides the examples. */
  readonly sizes: readonly number[];
  /** Whether the examples are measured too. @default true */
  readonly examples?: boolean;
  /** Rounds for the examples (each round starts fresh); synthetic fleets run once. */
  readonly rounds: number;
  /**
   * `--stacks` for syskit up. @default - syskit's default, and for the examples also 1 (one
   * stack after the other, as before stacks ran concurrently) for the comparison
   */
  readonly stacks?: number;
  /** `--parallel` for syskit up. @default - syskit's default */
  readonly parallel?: number;
  readonly log: (line: string) => void;
}

/** Fleets of at least this many objects get a new control plane before each tool instead of a deletion. */
const FRESH_CLUSTER_OBJECTS = 1000;

/** A control plane in its own folder, with the upstream CRDs established. */
interface BenchCluster {
  readonly kubeconfig: string;
  down(): Promise<void>;
}

async function startCluster(dir: string, log: (line: string) => void): Promise<BenchCluster> {
  log(`starting a control plane in ${path.basename(dir)}`);
  await syskit(['cluster', 'up', '--dir', dir]);
  const kubeconfig = path.join(dir, 'kubeconfig');
  const down = async () => {
    await syskit(['cluster', 'down', '--dir', dir]).catch((error: unknown) =>
      log(`cluster down failed: ${(error as Error).message}`),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    log('installing the upstream CRDs');
    await kubectl(kubeconfig, [
      'apply',
      '--server-side',
      '--force-conflicts',
      `--field-manager=${FIELD_MANAGER}`,
      '-f',
      await crdsDir(),
    ]);
    await kubectl(kubeconfig, ['wait', '--for=condition=Established', '--timeout=300s', 'crd', '--all']);
  } catch (error) {
    await down();
    throw error;
  }
  return { kubeconfig, down };
}

export async function runApplyBench(options: ApplyBenchOptions): Promise<ApplyRow[]> {
  const { log } = options;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-apply-bench-'));
  let started = 0;
  let cluster: BenchCluster | undefined;
  // The cluster the next measurement runs on: the current one emptied by the caller, or a new one.
  const freshCluster = async (): Promise<string> => {
    await cluster?.down();
    cluster = undefined;
    cluster = await startCluster(path.join(work, `cluster-${++started}`), log);
    return cluster.kubeconfig;
  };
  const rows: ApplyRow[] = [];
  try {
    await freshCluster();
    for (const spec of fleetSpecs(options.sizes, work, options.examples ?? true)) {
      const variants = options.stacks ?? (spec.name === 'examples' ? [1, undefined] : [undefined]);
      for (const stacks of [variants].flat()) {
        rows.push(
          await benchFleet(
            spec,
            work,
            { current: () => cluster!.kubeconfig, fresh: freshCluster },
            {
              ...options,
              stacks,
            },
          ),
        );
        // A long run that is stopped later still leaves what it measured.
        log(`measured: ${JSON.stringify(rows[rows.length - 1])}`);
      }
    }
  } finally {
    await cluster?.down();
    fs.rmSync(work, { recursive: true, force: true });
  }
  return rows;
}

async function benchFleet(
  spec: FleetSpec,
  work: string,
  clusters: { current(): string; fresh(): Promise<string> },
  options: ApplyBenchOptions,
): Promise<ApplyRow> {
  const { log } = options;
  const base = fs.mkdtempSync(path.join(work, `${spec.name.replace(/\W+/g, '-')}-`));
  const unchangedEnvs = writeEnvironments(path.join(base, 'environments'), {});
  const changedEnvs = writeEnvironments(path.join(base, 'environments-changed'), spec.override);
  const fleetFlags = (envs: string) => ['--systems', spec.systemsPath, '--environments', envs];
  const folders = { unchanged: path.join(base, 'kubectl'), changed: path.join(base, 'kubectl-changed') };
  let objects = 0;
  for (const [which, envs] of [
    ['unchanged', unchangedEnvs],
    ['changed', changedEnvs],
  ] as const) {
    const dist = path.join(base, `dist-${which}`);
    await syskit(['synth', '--env', ENV, ...fleetFlags(envs), '--out', dist, '--quiet', '--force']);
    const count = kubectlFolder(dist, folders[which]);
    if (which === 'unchanged') objects = count;
  }
  let kubeconfig = clusters.current();
  const apply = (folder: string) =>
    kubectl(kubeconfig, ['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', folder]);
  const large = objects >= FRESH_CLUSTER_OBJECTS;
  const wipe = async () => {
    if (large) {
      kubeconfig = await clusters.fresh();
      return;
    }
    // Both folders, so an object only the change adds goes too; namespaces are waited for.
    for (const folder of [folders.changed, folders.unchanged]) {
      await kubectl(kubeconfig, ['delete', '--ignore-not-found', '--wait', '--timeout=900s', '-f', folder]);
    }
  };
  const rounds = spec.name === 'examples' ? options.rounds : 1;
  const samples: Record<string, Sample[]> = {};
  const record = (key: string, s: Sample) => (samples[key] ??= []).push(s);
  let changed: string[] = [];
  const stackFlags = [
    ...(options.stacks ? ['--stacks', String(options.stacks)] : []),
    ...(options.parallel ? ['--parallel', String(options.parallel)] : []),
  ];
  for (let round = 1; round <= rounds; round++) {
    log(
      `${spec.name} (${objects} objects, --stacks ${options.stacks ?? 'default'}), round ${round}/${rounds}: kubectl`,
    );
    await wipe();
    record('kubectlApply', await apply(folders.unchanged));
    const diff = await kubectl(
      kubeconfig,
      ['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '-f', folders.unchanged],
      [0, 1],
    );
    if (diff.code !== 0) throw new Error(`kubectl diff found changes right after apply:\n${diff.stdout}`);
    record('kubectlDiff', diff);
    record('kubectlChange', await apply(folders.changed));
    log(`${spec.name}, round ${round}/${rounds}: syskit up`);
    await wipe();
    const state = fs.mkdtempSync(path.join(base, 'state-'));
    const env = { SYSKIT_STATE_DIR: state, PULUMI_CONFIG_PASSPHRASE: 'bench' };
    const target = ['--kubeconfig', kubeconfig, '--skip-await', '--no-constraints', '-q', ...stackFlags];
    const up = (envs: string) => syskit(['up', '--env', ENV, ...fleetFlags(envs), ...target], env);
    record('upFresh', await up(unchangedEnvs));
    const again = await up(unchangedEnvs);
    if (!again.stdout.startsWith(`${ENV}: no changes`))
      throw new Error(`a second up changed something:\n${again.stdout}`);
    record('upNoChange', again);
    const change = await up(changedEnvs);
    changed = changedStacks(change.stdout);
    if (changed.length !== 1 || changed[0] !== spec.changedSystem) {
      throw new Error(
        `a change to ${spec.changedSystem} changed the stacks [${changed.join(', ')}]:\n${change.stdout}`,
      );
    }
    record('upChange', change);
    fs.rmSync(state, { recursive: true, force: true });
  }
  // The next fleet starts from the CRDs alone, as this one did.
  if (!large) await wipe();
  const m = (key: string) => medianSample(samples[key]);
  return {
    fleet: spec.name,
    systems: spec.systems,
    objects,
    rounds,
    stacks: options.stacks ?? 0,
    parallel: options.parallel ?? 0,
    kubectlApply: m('kubectlApply'),
    kubectlDiff: m('kubectlDiff'),
    kubectlChange: m('kubectlChange'),
    upFresh: m('upFresh'),
    upNoChange: m('upNoChange'),
    upChange: m('upChange'),
    changedStacks: changed,
    changedSystem: spec.changedSystem,
  };
}

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const cell = (x: Sample) => `${s(x.wallMs)} / ${s(x.cpuMs)} / ${x.peakRssMb.toFixed(0)} MB`;

export function applyTable(rows: readonly ApplyRow[]): string {
  const ratio = (a: Sample, b: Sample, target: number) => {
    const wall = a.wallMs / b.wallMs;
    const cpu = a.cpuMs / b.cpuMs;
    return `${wall.toFixed(2)}x / ${cpu.toFixed(2)}x (<= ${target}x${wall <= target ? '' : ' **missed**'})`;
  };
  return [
    '| fleet | objects | stacks at once / Pulumi parallel | kubectl apply | syskit up, fresh | fresh: up / kubectl | kubectl diff | syskit up, no change | no change: up / diff | kubectl apply, 1 system changed | syskit up, 1 system changed | stacks changed |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.fleet}${r.rounds > 1 ? ` (median of ${r.rounds})` : ''} | ${r.objects} | ${r.stacks || 'default'} / ${r.parallel || 'default'} | ${cell(r.kubectlApply)} | ${cell(r.upFresh)} | ${ratio(r.upFresh, r.kubectlApply, 3)} | ${cell(r.kubectlDiff)} | ${cell(r.upNoChange)} | ${ratio(r.upNoChange, r.kubectlDiff, 2)} | ${cell(r.kubectlChange)} | ${cell(r.upChange)} | ${r.changedStacks.join(', ')} (of ${r.systems + 1}) |`,
    ),
  ].join('\n');
}
