import { UsageError, writeEnvironment } from '../synth/engine';
import { synthesize } from '../synth/synthesize';
import { writeCdk8sManifests } from './cdk8s-output';
import { gitOpsFromFlags, gitOpsLayout } from './gitops';
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
  --gitops argocd|flux    lay each environment out for a GitOps tool: a kustomization.yaml
                          per folder, one folder per stage of the apply order, and Argo CD
                          Applications (an ApplicationSet on several clusters) or Flux
                          Kustomizations in <out>/<env>/argocd|flux/
  --repo <url>            Git repository the output is committed to (default: remote origin)
  --revision <ref>        branch, tag or commit to follow (default: Argo CD HEAD, Flux main)
  -q, --quiet             print only errors

A (system, environment) whose inputs and toolkit are unchanged since the last run
(see <out>/<env>/.syskit-cache.json) is not rendered again.

Run by "cdk8s synth" (CDK8S_OUTDIR set, no --out), it writes what cdk8s apps
write: one <env>.k8s.yaml per environment in that folder. SYSKIT_ENV=<name>[,...]
picks environments there, as --env does; "cdk8s synth --stdout" needs one.`;

export async function synthCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    out: { type: 'string' },
    jobs: { type: 'string' },
    force: { type: 'boolean' },
    gitops: { type: 'string' },
    repo: { type: 'string' },
    revision: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  const fromCdk8s = values.out === undefined && process.env.CDK8S_OUTDIR !== undefined;
  const {
    fleet,
    environments: selectedEnvs,
    systems: selectedSystems,
  } = planFromFlags({
    ...values,
    env: values.env ?? (fromCdk8s ? process.env.SYSKIT_ENV?.split(',').filter(Boolean) : undefined),
  });
  const cdk8sOutdir = fromCdk8s ? process.env.CDK8S_OUTDIR : undefined;
  const outDir = values.out ?? cdk8sOutdir ?? 'dist';
  const gitOps = gitOpsFromFlags(values, outDir);
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
  if (cdk8sOutdir !== undefined && !gitOps) {
    writeCdk8sManifests(cdk8sOutdir, rendered);
    return EXIT.ok;
  }
  for (const { env, files } of rendered) {
    writeEnvironment(outDir, env.name, gitOps ? gitOpsLayout(env, files, gitOps) : files, partial);
    if (!values.quiet) {
      const objects = files.reduce((n, f) => n + f.objects, 0);
      const systems = files.filter((f) => f.system !== undefined).length;
      io.out(
        `${env.name}: ${systems} system${systems === 1 ? '' : 's'} and the platform, ${objects} objects -> ${outDir}/${env.name}/${gitOps ? ` (${gitOps.tool} in ${outDir}/${env.name}/${gitOps.tool}/)` : ''}`,
      );
    }
  }
  if (!values.quiet && result.reused > 0) {
    io.out(`${result.rendered} rendered, ${result.reused} unchanged since the last run`);
  }
  return EXIT.ok;
}
