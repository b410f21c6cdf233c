import { UsageError, writeRun } from '../synth/engine';
import { OutputBusyError } from '../synth/errors';
import { DEFAULT_LOCK_WAIT_MS, OutputFolder } from '../synth/output';
import { synthesize } from '../synth/synthesize';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse, planFromFlags } from './options';

export const SYNTH_HELP = `Usage: syskit synth [options]

Validates every system and writes its manifests for each environment to
<out>/<env>/<system>.yaml. Nothing is written when any declaration is invalid;
all environments of a run replace the previous output in one step.

Options:
${FLEET_HELP}
  --out <dir>             output directory (default: dist); syskit owns it and
                          refuses a folder it did not write
  --jobs <n>              worker threads for rendering (default: one per CPU core; 1 = serial)
  --force                 render everything, ignoring the hashes of the previous run
  --wait <seconds>        how long to wait while another run writes <out>
                          (default: ${DEFAULT_LOCK_WAIT_MS / 1000}; 0 = fail at once)
  -q, --quiet             print only errors

A (system, environment) whose inputs and toolkit are unchanged since the last run,
and whose files still hold what syskit wrote, is not rendered again
(see <out>/.syskit-cache/<env>.json).`;

export async function synthCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    out: { type: 'string' },
    jobs: { type: 'string' },
    force: { type: 'boolean' },
    wait: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  const outDir = values.out ?? 'dist';
  const jobs = wholeNumber('--jobs', values.jobs, 1);
  const waitSeconds = wholeNumber('--wait', values.wait, 0);
  // Refuse an output folder that is not syskit's before spending time on rendering.
  OutputFolder.check(outDir);

  const { fleet, environments: selectedEnvs, systems: selectedSystems } = planFromFlags(values);
  const partial = selectedSystems.length !== fleet.systems.length;

  let folder: OutputFolder;
  try {
    folder = OutputFolder.open(outDir, {
      waitMs: waitSeconds === undefined ? undefined : waitSeconds * 1000,
      onWait: (message) => io.err(`syskit: ${message}`),
    });
  } catch (error) {
    if (!(error instanceof OutputBusyError)) throw error;
    io.err(`syskit: ${error.message}`);
    return EXIT.failure;
  }
  try {
    // Render everything before writing anything: a failure in one environment must not leave
    // another half-updated.
    let shown = 0;
    const result = await synthesize(fleet, selectedEnvs, selectedSystems, {
      jobs,
      cacheFrom: values.force ? undefined : folder.current,
      onProgress: (done, total) => {
        const step = Math.floor((done * 10) / total);
        if (!values.quiet && total >= 100 && step > shown) {
          shown = step;
          io.err(`rendered ${done}/${total}`);
        }
      },
    });
    if (!values.quiet) {
      for (const w of result.warnings) io.err(`syskit: warning: ${outDir}/${w.path}: ${w.message}`);
    }
    writeRun(folder, result.files, { partial, keepOtherEnvironments: values.env !== undefined });
    if (!values.quiet) {
      for (const env of selectedEnvs) {
        const files = result.files.get(env.name)!;
        const objects = files.reduce((n, f) => n + f.objects, 0);
        const systems = files.filter((f) => f.system !== undefined).length;
        io.out(
          `${env.name}: ${systems} system${systems === 1 ? '' : 's'} and the platform, ${objects} objects -> ${outDir}/${env.name}/`,
        );
      }
      if (result.reused > 0) {
        io.out(`${result.rendered} rendered, ${result.reused} unchanged since the last run`);
      }
    }
  } finally {
    folder.release();
  }
  return EXIT.ok;
}

/** A whole-number flag of at least `min`, or undefined when not given. */
function wholeNumber(flag: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min) {
    throw new UsageError(`${flag} expects a whole number of at least ${min}, got "${text}"`);
  }
  return n;
}
