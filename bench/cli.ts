/**
 * `npm run bench -- --cli`: what a user waits for at the terminal, as CPU time (user + system,
 * child processes such as OPA included) in one run, each command measured in rounds interleaved
 * with its baselines so that the load of a shared machine falls on all alike. The ratios:
 *
 * - `syskit --help` and every `syskit <command> --help` against `node -e 0`;
 * - `syskit synth --force`, `validate` and `graph` of the example systems against a bare node
 *   process that only loads cdk8s-plus-28, yaml and zod; `validate` twice, reading what a synth
 *   wrote beforehand (the everyday case) and rendering everything (`--force`).
 *
 * The same commands run from the TypeScript sources through tsx (`SYSKIT_FROM_SOURCES=1`) show
 * what the compiled build saves. `syskit diff` has a wall-time target (under 2 s for the example
 * fleet): against `HEAD` in this repository, and in a temporary repository of the examples with
 * five changes that make it render 14 (system, environment) pairs on both sides.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPullRequestChange } from '../test/fixtures/pull-request-change';

const root = path.resolve(__dirname, '..');
const syskit = path.join(root, 'bin/syskit.js');
const probe = path.join(root, 'bench/probe.js');

export interface CliRow {
  readonly name: string;
  readonly baseline: 'node' | 'floor';
  readonly cpuMs: number;
  /** CPU of the node process alone, without the tools it runs (OPA). */
  readonly ownCpuMs: number;
  readonly maxRssMb: number;
  readonly wallMs: number;
  readonly ratio?: number;
  readonly target?: number;
  /** A target on wall time instead of a CPU ratio. */
  readonly wallTargetMs?: number;
}

interface Command {
  readonly name: string;
  readonly argv: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly baseline?: 'node' | 'floor';
  /** @default root */
  readonly cwd?: string;
  /** Exit statuses that mean success. @default [0] */
  readonly statuses?: readonly number[];
  readonly wallTargetMs?: number;
}

/** CPU time of one run of `argv` and everything it waits for, with the peak RSS of its main process. */
function measureOnce(command: Command): {
  cpuMs: number;
  ownCpuMs: number;
  maxRssMb: number;
  wallMs: number;
} {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cli-bench-')), 'probe.json');
  // bash's `times` reports the CPU of the children it waited for (and theirs) to the millisecond.
  const started = process.hrtime.bigint();
  const result = spawnSync(
    'bash',
    ['-c', '"$@" >/dev/null 2>&1; status=$?; times; exit $status', '_', ...command.argv],
    {
      cwd: command.cwd ?? root,
      env: { ...process.env, ...command.env, SYSKIT_PROBE_OUT: out, NODE_OPTIONS: `--require ${probe}` },
      encoding: 'utf8',
    },
  );
  // Includes starting bash, about a millisecond.
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (!(command.statuses ?? [0]).includes(result.status ?? -1))
    throw new Error(`${command.name} failed (exit ${result.status}): ${command.argv.join(' ')}`);
  const [, children] = result.stdout.trim().split('\n');
  const seconds = children
    .trim()
    .split(/\s+/)
    .map((t) => {
      const m = /^(\d+)m([\d.]+)s$/.exec(t);
      if (!m) throw new Error(`unexpected times output: ${result.stdout}`);
      return Number(m[1]) * 60 + Number(m[2]);
    });
  const own = fs.existsSync(out)
    ? (JSON.parse(fs.readFileSync(out, 'utf8')) as { cpuMs: number; maxRssMb: number })
    : { cpuMs: NaN, maxRssMb: NaN };
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
  return {
    cpuMs: (seconds[0] + seconds[1]) * 1000,
    ownCpuMs: own.cpuMs,
    maxRssMb: own.maxRssMb,
    wallMs,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The two baselines every ratio needs; `only` never leaves them out. */
const BASELINES = new Set(['node -e 0', 'node: load cdk8s-plus-28, yaml, zod']);

/**
 * @param only when given, the commands whose name contains one of these strings (and the
 * baselines), instead of all of them
 */
export function runCliBench(rounds: number, log: (line: string) => void, only?: readonly string[]): CliRow[] {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cli-bench-out-'));
  const examples = changedExamples();
  // What validate reads unless told --force: the examples as synth writes them, untouched by the
  // synth rows below (which write to `out`).
  const synthesizedDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cli-bench-dist-'));
  const synthesized = path.join(synthesizedDir, 'dist');
  execFileSync(process.execPath, [syskit, 'synth', '--quiet', '--out', synthesized], { cwd: root });
  const help = execFileSync(process.execPath, [syskit, '--help'], { cwd: root, encoding: 'utf8' });
  const names = help
    .split('Commands:\n')[1]
    .split('\n\n')[0]
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]);
  const node = (...args: string[]): string[] => [process.execPath, ...args];
  const sources = { SYSKIT_FROM_SOURCES: '1' };
  const all: Command[] = [
    { name: 'node -e 0', argv: node('-e', '0') },
    {
      name: 'node: load cdk8s-plus-28, yaml, zod',
      argv: node('-e', "require('cdk8s-plus-28'); require('yaml'); require('zod')"),
    },
    { name: 'syskit --help', argv: node(syskit, '--help'), baseline: 'node' },
    ...names.map((n) => ({
      name: `syskit ${n} --help`,
      argv: node(syskit, n, '--help'),
      baseline: 'node' as const,
    })),
    {
      name: 'syskit synth --force',
      argv: node(syskit, 'synth', '--force', '--quiet', '--out', out),
      baseline: 'floor',
    },
    // The everyday case: synth has written the output, so validate reads its files (and loads no cdk8s).
    {
      name: 'syskit validate (fresh dist after synth)',
      argv: node(syskit, 'validate', '--out', synthesized),
      baseline: 'floor',
    },
    {
      name: 'syskit validate --force (renders all)',
      argv: node(syskit, 'validate', '--out', synthesized, '--force'),
      baseline: 'floor',
    },
    { name: 'syskit graph --env dev', argv: node(syskit, 'graph', '--env', 'dev'), baseline: 'floor' },
    { name: 'syskit --help (sources, tsx)', argv: node(syskit, '--help'), env: sources },
    {
      name: 'syskit synth --force (sources, tsx)',
      argv: node(syskit, 'synth', '--force', '--quiet', '--out', out),
      env: sources,
    },
    // Exit 1 means there is something to review.
    {
      name: 'syskit diff --base HEAD',
      argv: node(syskit, 'diff', '--base', 'HEAD'),
      statuses: [0, 1],
      wallTargetMs: 2000,
    },
    {
      name: 'syskit diff, 5 changes (14 renders)',
      argv: node(syskit, 'diff', '--systems', 'charts', '--environments', 'environments'),
      cwd: examples,
      statuses: [1],
      wallTargetMs: 2000,
    },
  ];
  const commands = all.filter(
    (c) => !only || BASELINES.has(c.name) || only.some((part) => c.name.includes(part)),
  );
  const samples = new Map<
    string,
    { cpuMs: number[]; ownCpuMs: number[]; maxRssMb: number[]; wallMs: number[] }
  >(commands.map((c) => [c.name, { cpuMs: [], ownCpuMs: [], maxRssMb: [], wallMs: [] }]));
  // One run of each first, unmeasured: Node's compile cache and tsx's cache are warm, as they are
  // for a user from the second run on.
  for (const c of commands) measureOnce(c);
  for (let round = 1; round <= rounds; round++) {
    log(`CLI round ${round}/${rounds}`);
    for (const c of commands) {
      const s = measureOnce(c);
      samples.get(c.name)!.cpuMs.push(s.cpuMs);
      samples.get(c.name)!.ownCpuMs.push(s.ownCpuMs);
      samples.get(c.name)!.maxRssMb.push(s.maxRssMb);
      samples.get(c.name)!.wallMs.push(s.wallMs);
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.rmSync(synthesizedDir, { recursive: true, force: true });
  fs.rmSync(examples, { recursive: true, force: true });
  const cpu = (name: string) => median(samples.get(name)!.cpuMs);
  const nodeMs = cpu('node -e 0');
  const floorMs = cpu('node: load cdk8s-plus-28, yaml, zod');
  return commands.map((c) => {
    const cpuMs = cpu(c.name);
    const maxRssMb = median(samples.get(c.name)!.maxRssMb);
    const ownCpuMs = median(samples.get(c.name)!.ownCpuMs);
    const wallMs = median(samples.get(c.name)!.wallMs);
    if (!c.baseline)
      return {
        name: c.name,
        baseline: 'node',
        cpuMs,
        ownCpuMs,
        maxRssMb,
        wallMs,
        wallTargetMs: c.wallTargetMs,
      };
    const base = c.baseline === 'node' ? nodeMs : floorMs;
    return {
      name: c.name,
      baseline: c.baseline,
      cpuMs,
      ownCpuMs,
      maxRssMb,
      wallMs,
      ratio: cpuMs / base,
      target: c.baseline === 'node' ? 4 : 3,
    };
  });
}

export function cliTable(rows: readonly CliRow[]): string {
  const target = (r: CliRow) => {
    if (r.wallTargetMs !== undefined)
      return `wall < ${r.wallTargetMs / 1000} s${r.wallMs < r.wallTargetMs ? '' : ' **missed**'}`;
    return r.target === undefined ? '' : `<= ${r.target}x${r.ratio! <= r.target ? '' : ' **missed**'}`;
  };
  const lines = [
    '| command | CPU (median) | of it, the node process | wall (median) | peak RSS | ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| \`${r.name}\` | ${r.cpuMs.toFixed(0)} ms | ${r.ownCpuMs.toFixed(0)} ms | ${r.wallMs.toFixed(0)} ms | ${Number.isNaN(r.maxRssMb) ? '-' : `${r.maxRssMb.toFixed(0)} MB`} | ${
          r.ratio === undefined
            ? ''
            : `${r.ratio.toFixed(2)}x ${r.baseline === 'node' ? '`node -e 0`' : 'floor'}`
        } | ${target(r)} |`,
    ),
  ];
  return lines.join('\n');
}

/**
 * A temporary git repository of the example systems and environments, committed, then
 * changed in its work tree as a pull request might: a new call, a route made public with a new
 * secret, database access raised to readwrite (commerce, in every environment) and a policy rule
 * set to warn in prod (every system there). `syskit diff` renders 14 (system, environment) pairs
 * on each side for it.
 */
function changedExamples(): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cli-bench-examples-'));
  for (const dir of ['charts', 'environments', 'model', 'policies/authz'])
    fs.cpSync(path.join(root, dir), path.join(repo, dir), { recursive: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(repo, 'package.json'));
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=bench', '-c', 'user.email=bench@acme.example', 'commit', '-q', '-m', 'base');
  applyPullRequestChange(repo);
  return repo;
}
