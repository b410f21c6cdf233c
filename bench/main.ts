/**
 * `npm run bench [-- --quick] [-- --json]`: synthesis of synthetic fleets with every feature on,
 * against two baselines measured in the same run on the same objects: the floor (serializing the
 * final objects with the `yaml` package alone) and the naive approach (one cdk8s App holding
 * everything). Each measurement runs in its own process so its peak memory is its own.
 * Writes the table and the machine it ran on into bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { defaultJobs } from '../synth/pool';
import { applyTable, runApplyBench } from './apply';
import { cliTable, runCliBench } from './cli';

interface Sample {
  ms: number;
  /** The measurement was stopped at its limit: the real time is at least `ms`. */
  lowerBound?: boolean;
  /** The measurement crashed (see the log above the table). */
  failed?: boolean;
  objects?: number;
  maxRssMb: number;
  rendered?: number;
  reused?: number;
}

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  process.stdout.write(`Usage: npm run bench [-- --quick] [-- --json] [-- --no-readme]
       npm run bench -- --cli [--rounds N] [--only TEXT]...

Measures full synthesis (parallel and serial), the YAML floor, the naive single
App, an incremental run after a one-system change, policy validation, and
syskit diff after a one-system change against a full synth, at
N = 10, 100 and 400 systems of 10 services (--quick: 10 and 40), across the
four environments. Prints ratios; writes bench/README.md unless --no-readme or --json.

--cli measures the CPU time of the CLI's commands on the example systems against
node -e 0 and against loading cdk8s-plus-28, yaml and zod (bench/cli.ts), in
--rounds rounds (default 7), and writes its own table into bench/README.md.
--only TEXT (repeatable) runs only the commands whose name contains TEXT, with
the two baselines, and leaves bench/README.md as it is.

--apply starts a local control plane (bench/apply.ts) and measures syskit up of
dev (fresh, unchanged, after a one-system change) against kubectl apply and
kubectl diff --server-side of the same objects, for the examples (--rounds
rounds, default 3) and fleets of 10 and 40 systems (--quick: 10 only; --sizes
10,40 names them, --sizes '' leaves them out; --no-examples leaves the examples
out); --stacks N and --parallel N pass those flags to syskit up (without
--stacks the examples run twice: --stacks 1 and the default). Fleets of 1,000
objects or more get a new control plane before each tool instead of a deletion.
`);
  process.exit(0);
}
const root = path.resolve(__dirname, '..');
const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;

/** Replaces the block between `<!-- <name>:begin -->` and `<!-- <name>:end -->` in bench/README.md. */
function writeReadmeBlock(name: string, body: string): void {
  const readme = path.join(root, 'bench', 'README.md');
  const text = fs.readFileSync(readme, 'utf8');
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const block = `${begin}\n${body}\n${end}`;
  fs.writeFileSync(
    readme,
    text.includes(begin)
      ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), () => block)
      : `${text}\n${block}\n`,
  );
  process.stderr.write(`wrote ${path.relative(root, readme)}\n`);
}

if (args.includes('--cli')) {
  const roundsAt = args.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(args[roundsAt + 1]) : 7;
  const only = args.flatMap((a, i) => (args[i - 1] === '--only' ? [a] : []));
  const rows = runCliBench(
    rounds,
    (line) => process.stderr.write(`${line}\n`),
    only.length > 0 ? only : undefined,
  );
  const table = cliTable(rows);
  process.stdout.write(`${table}\n\nmachine: ${machine}\n`);
  // A partial table would replace the whole one.
  if (!args.includes('--no-readme') && only.length === 0) {
    writeReadmeBlock(
      'cli',
      `Last run (\`npm run bench -- --cli\`, median of ${rounds} rounds), ${new Date().toISOString().slice(0, 10)}, on ${machine}:\n\n${table}`,
    );
  }
  process.exit(0);
}

if (args.includes('--apply')) {
  const option = (name: string) => {
    const at = args.indexOf(name);
    return at >= 0 ? Number(args[at + 1]) : undefined;
  };
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  const load = () =>
    os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(', ');
  const loadBefore = load();
  void runApplyBench({
    sizes: args.includes('--sizes')
      ? args[args.indexOf('--sizes') + 1].split(',').filter(Boolean).map(Number)
      : args.includes('--quick')
        ? [10]
        : [10, 40],
    examples: !args.includes('--no-examples'),
    rounds: option('--rounds') ?? 3,
    stacks: option('--stacks'),
    parallel: option('--parallel'),
    log,
  }).then((rows) => {
    const table = applyTable(rows);
    const head = `Last run (\`npm run bench -- ${args.join(' ')}\`), ${new Date().toISOString().slice(0, 10)}, on ${machine}; load average ${loadBefore} before and ${load()} after (1, 5, 15 min).`;
    process.stdout.write(`${head}\n\n${table}\n`);
    if (args.includes('--json')) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    if (!args.includes('--no-readme')) writeReadmeBlock('apply', `${head}\n\n${table}`);
  });
} else {
  runSynthBench();
}

function runSynthBench(): void {
  const quick = args.includes('--quick');
  const json = args.includes('--json');
  const sizes = quick ? [10, 40] : [10, 100, 400];
  const jobs = defaultJobs();

  /** The naive baseline grows superlinearly; past this it is reported as a lower bound. */
  const NAIVE_LIMIT_MS = Number(process.env.SYSKIT_BENCH_NAIVE_LIMIT_MS ?? 15 * 60_000);

  function measure(mode: string, n: number, jobCount?: number, limitMs?: number): Sample {
    try {
      const out = execFileSync(
        process.execPath,
        [
          path.join(root, 'bin/run-ts.js'),
          path.join(root, 'bench/measure.ts'),
          mode,
          String(n),
          ...(jobCount ? [String(jobCount)] : []),
        ],
        {
          cwd: root,
          encoding: 'utf8',
          maxBuffer: 16 * 1024 * 1024,
          stdio: ['ignore', 'pipe', 'inherit'],
          timeout: limitMs,
          killSignal: 'SIGKILL',
        },
      );
      return JSON.parse(out.trim().split('\n').pop()!) as Sample;
    } catch (error) {
      if (limitMs && (error as { signal?: string }).signal === 'SIGKILL')
        return { ms: limitMs, maxRssMb: NaN, lowerBound: true };
      // Only the naive baseline may fail (cdk8s's App.synthYaml overflows the stack on huge Apps):
      // that is a result, recorded as such; any other failure is a broken benchmark.
      if (mode === 'naive') return { ms: NaN, maxRssMb: NaN, failed: true };
      throw error;
    }
  }

  const log = (line: string) => {
    if (!json) process.stderr.write(`${line}\n`);
  };

  interface Row {
    systems: number;
    objects: number;
    synthMs: number;
    serialMs: number;
    floorMs: number;
    floorYamlMs: number;
    floorJsonMs: number;
    naiveMs: number;
    naiveLowerBound: boolean;
    naiveFailed: boolean;
    incrementalMs: number;
    incrementalRendered: number;
    validateMsPer1000: number;
    /** `syskit diff` after a one-system change, and a full `syskit synth`, both as commands. */
    diffMs: number;
    diffSynthMs: number;
    synthRssMb: number;
    serialRssMb: number;
  }

  const rows: Row[] = [];
  for (const n of sizes) {
    log(`N=${n}: synth (${jobs} workers)`);
    const synth = measure('synth', n, jobs);
    log(`N=${n}: synth (serial)`);
    const serial = measure('synth', n, 1);
    log(`N=${n}: floors`);
    const floor = measure('floor', n);
    const floorYaml = measure('floor-yaml', n);
    const floorJson = measure('floor-json', n);
    log(`N=${n}: naive`);
    const naive = measure('naive', n, undefined, NAIVE_LIMIT_MS);
    log(`N=${n}: incremental`);
    const incremental = measure('incremental', n, jobs);
    log(`N=${n}: validate`);
    const validate = measure('validate', n);
    log(`N=${n}: diff`);
    const diff = measure('diff', n) as Sample & { synthMs: number };
    rows.push({
      systems: n,
      objects: synth.objects ?? 0,
      synthMs: synth.ms,
      serialMs: serial.ms,
      floorMs: floor.ms,
      floorYamlMs: floorYaml.ms,
      floorJsonMs: floorJson.ms,
      naiveMs: naive.ms,
      naiveLowerBound: naive.lowerBound ?? false,
      naiveFailed: naive.failed ?? false,
      incrementalMs: incremental.ms,
      incrementalRendered: incremental.rendered ?? 0,
      validateMsPer1000: (validate.ms / (validate.objects ?? 1)) * 1000,
      diffMs: diff.ms,
      diffSynthMs: diff.synthMs,
      synthRssMb: synth.maxRssMb,
      serialRssMb: serial.maxRssMb,
    });
  }

  const last = rows[rows.length - 1];
  const byN = (n: number) => rows.find((r) => r.systems === n);
  const r100 = byN(quick ? 10 : 100)!;
  const ratios = {
    synthOverFloor: last.synthMs / last.floorMs,
    serialOverFloor: last.serialMs / last.floorMs,
    serialOverJson: last.serialMs / last.floorJsonMs,
    yamlOverFloor: last.floorYamlMs / last.floorMs,
    naiveOverSynth: last.naiveMs / last.synthMs,
    scaling: last.synthMs / r100.synthMs,
    scalingSystems: last.systems / r100.systems,
    parallelSpeedup: last.serialMs / last.synthMs,
    incrementalOverFull: last.incrementalMs / last.synthMs,
    serialMbPer1000Objects: (last.serialRssMb / last.objects) * 1000,
    diffOverSynth: last.diffMs / last.diffSynthMs,
  };

  if (json) {
    process.stdout.write(`${JSON.stringify({ machine, jobs, rows, ratios }, null, 2)}\n`);
    process.exit(0);
  }

  const f = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);
  const table = [
    '| systems | objects | synth (parallel) | synth (serial) | floor: js-yaml | yaml package | JSON.stringify | naive (one App) | incremental, 1 changed | validate / 1,000 objects | peak RSS parallel / serial | diff, 1 changed / synth (commands) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.systems} | ${r.objects} | ${f(r.synthMs)} | ${f(r.serialMs)} | ${f(r.floorMs)} | ${f(r.floorYamlMs)} | ${f(r.floorJsonMs)} | ${r.naiveFailed ? 'crashed' : `${r.naiveLowerBound ? '> ' : ''}${f(r.naiveMs)}`} | ${f(r.incrementalMs)} (${r.incrementalRendered} rendered) | ${f(r.validateMsPer1000)} | ${r.synthRssMb.toFixed(0)} / ${r.serialRssMb.toFixed(0)} MB | ${f(r.diffMs)} / ${f(r.diffSynthMs)} |`,
    ),
  ].join('\n');
  const ratioLines = [
    `- synth / floor at N=${last.systems}: **${ratios.synthOverFloor.toFixed(2)}** parallel, **${ratios.serialOverFloor.toFixed(2)}** serial (target <= 2); the floor is synth's own writer, js-yaml, on the final objects`,
    `- synth (serial) / JSON.stringify of the same objects at N=${last.systems}: **${ratios.serialOverJson.toFixed(1)}**: the distance to the physical limit`,
    `- the yaml package (as cdk8s's synthYaml calls it) / js-yaml on the same objects: **${ratios.yamlOverFloor.toFixed(2)}**`,
    last.naiveFailed
      ? `- naive / synth at N=${last.systems}: **the naive single App crashed**`
      : `- naive / synth at N=${last.systems}: **${last.naiveLowerBound ? '> ' : ''}${ratios.naiveOverSynth.toFixed(2)}**`,
    `- t(${last.systems}) / t(${r100.systems}): **${ratios.scaling.toFixed(2)}** (linear would be ${ratios.scalingSystems}; target <= ${(ratios.scalingSystems * 1.1).toFixed(1)})`,
    `- parallel speed-up (serial / parallel, ${jobs} workers) at N=${last.systems}: **${ratios.parallelSpeedup.toFixed(2)}** (target >= 1.6)`,
    `- incremental / full after a one-system change at N=${last.systems}: **${(ratios.incrementalOverFull * 100).toFixed(1)}%** (target < 10%)`,
    `- peak memory of a serial run per 1,000 objects at N=${last.systems}: **${ratios.serialMbPer1000Objects.toFixed(1)} MB**`,
    `- diff / synth after a one-system change at N=${last.systems}: **${ratios.diffOverSynth.toFixed(2)}** (target <= 1.5)`,
  ].join('\n');

  process.stdout.write(`${table}\n\n${ratioLines}\n\nmachine: ${machine}\n`);

  if (!args.includes('--no-readme')) {
    writeReadmeBlock(
      'results',
      `Last run (\`npm run bench${quick ? ' -- --quick' : ''}\`), ${new Date().toISOString().slice(0, 10)}, on ${machine}:\n\n${table}\n\n${ratioLines}`,
    );
  }
}
