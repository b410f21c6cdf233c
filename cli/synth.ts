import { OutputBusyError, UsageError } from '../synth/errors';
// The output folder's code needs only node:fs; the renderer is loaded after --help is handled.
import { DEFAULT_LOCK_WAIT_MS, OutputFolder } from '../synth/output';
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
  --gitops argocd|flux    lay each environment out for a GitOps tool: a kustomization.yaml
                          per folder, one folder per stage of the apply order, and Argo CD
                          Applications (an ApplicationSet on several clusters) or Flux
                          Kustomizations in <out>/<env>/argocd|flux/
  --repo <url>            Git repository the output is committed to (default: remote origin)
  --revision <ref>        branch, tag or commit to follow (default: Argo CD HEAD, Flux main)
  -q, --quiet             print only errors

A (system, environment) whose inputs and toolkit are unchanged since the last run,
and whose files still hold what syskit wrote, is not rendered again
(see <out>/.syskit-cache/<env>.json).

Run by "cdk8s synth" (CDK8S_OUTDIR set, no --out), it writes what cdk8s apps
write: one <env>.k8s.yaml per environment in that folder. SYSKIT_ENV=<name>[,...]
picks environments there, as --env does; "cdk8s synth --stdout" needs one.`;

export async function synthCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    out: { type: 'string' },
    jobs: { type: 'string' },
    force: { type: 'boolean' },
    wait: { type: 'string' },
    gitops: { type: 'string' },
    repo: { type: 'string' },
    revision: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  const { synthesize } = await import('../synth/synthesize');
  const { writeRun } = await import('../synth/engine');
  // The GitOps layout (and the yaml package it reads and writes kustomizations with) only when asked for.
  const gitOpsModule =
    values.gitops === undefined && values.repo === undefined && values.revision === undefined
      ? undefined
      : await import('./gitops');
  const { writeCdk8sManifests } = await import('./cdk8s-output');
  const fromCdk8s = values.out === undefined && process.env.CDK8S_OUTDIR !== undefined;
  const cdk8sOutdir = fromCdk8s ? process.env.CDK8S_OUTDIR : undefined;
  const outDir = values.out ?? cdk8sOutdir ?? 'dist';
  const jobs = wholeNumber('--jobs', values.jobs, 1);
  const waitSeconds = wholeNumber('--wait', values.wait, 0);
  const gitOps = gitOpsModule?.gitOpsFromFlags(values, outDir);
  const cdk8sFiles = cdk8sOutdir !== undefined && !gitOps;
  // Refuse an output folder that is not syskit's before spending time on rendering. cdk8s owns
  // its own output folder and expects plain <env>.k8s.yaml files there.
  if (!cdk8sFiles) OutputFolder.check(outDir);

  const {
    fleet,
    environments: selectedEnvs,
    systems: selectedSystems,
  } = planFromFlags({
    ...values,
    env: values.env ?? (fromCdk8s ? process.env.SYSKIT_ENV?.split(',').filter(Boolean) : undefined),
  });
  const partial = selectedSystems.length !== fleet.systems.length;

  if (cdk8sFiles) {
    const result = await synthesize(fleet, selectedEnvs, selectedSystems, { jobs });
    writeCdk8sManifests(
      cdk8sOutdir,
      selectedEnvs.map((env) => ({ env, files: result.files.get(env.name)! })),
    );
    return EXIT.ok;
  }

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
      // A GitOps layout moves files into stage folders, so nothing is reused from the previous run.
      cacheFrom: values.force || gitOps ? undefined : folder.current,
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
    const files = gitOps
      ? new Map(
          selectedEnvs.map((env) => [
            env.name,
            gitOpsModule!.gitOpsLayout(env, result.files.get(env.name)!, gitOps),
          ]),
        )
      : result.files;
    writeRun(folder, files, { partial, keepOtherEnvironments: values.env !== undefined });
    if (!values.quiet) {
      for (const env of selectedEnvs) {
        const files = result.files.get(env.name)!;
        const objects = files.reduce((n, f) => n + f.objects, 0);
        const systems = files.filter((f) => f.system !== undefined).length;
        io.out(
          `${env.name}: ${systems} system${systems === 1 ? '' : 's'} and the platform, ${objects} objects -> ${outDir}/${env.name}/${gitOps ? ` (${gitOps.tool} in ${outDir}/${env.name}/${gitOps.tool}/)` : ''}`,
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
