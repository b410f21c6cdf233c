import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse, planFromFlags } from './options';

export const SYNTH_HELP = `Usage: syskit synth [options]

Validates every system and writes its manifests for each environment to
<out>/<env>/<system>.yaml. Nothing is written when any declaration is invalid;
each environment's folder is replaced in one step.

Options:
${FLEET_HELP}
  --out <dir>             output directory (default: dist)
  --jobs <n>              worker threads for rendering (default: one per CPU core; 1 = serial)
  --force                 render everything, ignoring the hashes of the previous run
  -q, --quiet             print only errors

A (system, environment) whose inputs and toolkit are unchanged since the last run
(see <out>/<env>/.syskit-cache.json) is not rendered again.`;

export async function synthCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    out: { type: 'string' },
    jobs: { type: 'string' },
    force: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  const { synthesize } = await import('../synth/synthesize');
  const { writeEnvironment } = await import('../synth/engine');
  const { fleet, environments: selectedEnvs, systems: selectedSystems } = planFromFlags(values);
  const outDir = values.out ?? 'dist';
  const partial = selectedSystems.length !== fleet.systems.length;

  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) {
    throw new UsageError(`--jobs expects a whole number of at least 1, got "${values.jobs}"`);
  }

  // Render everything before writing anything: a failure in one environment must not leave
  // another half-updated.
  let shown = 0;
  const result = await synthesize(fleet, selectedEnvs, selectedSystems, {
    jobs,
    cacheFrom: values.force ? undefined : outDir,
    onProgress: (done, total) => {
      const step = Math.floor((done * 10) / total);
      if (!values.quiet && total >= 100 && step > shown) {
        shown = step;
        io.err(`rendered ${done}/${total}`);
      }
    },
  });
  const rendered = selectedEnvs.map((env) => ({ env, files: result.files.get(env.name)! }));
  for (const { env, files } of rendered) {
    writeEnvironment(outDir, env.name, files, partial);
    if (!values.quiet) {
      const objects = files.reduce((n, f) => n + f.objects, 0);
      const systems = files.filter((f) => f.system !== undefined).length;
      io.out(
        `${env.name}: ${systems} system${systems === 1 ? '' : 's'} and the platform, ${objects} objects -> ${outDir}/${env.name}/`,
      );
    }
  }
  if (!values.quiet && result.reused > 0) {
    io.out(`${result.rendered} rendered, ${result.reused} unchanged since the last run`);
  }
  return EXIT.ok;
}
