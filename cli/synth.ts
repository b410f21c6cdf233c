import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { plan, renderEnvironment, writeEnvironment } from '../synth/engine';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse } from './options';

export const SYNTH_HELP = `Usage: syskit synth [options]

Validates every system and writes its manifests for each environment to
<out>/<env>/<system>.yaml. Nothing is written when any declaration is invalid;
each environment's folder is replaced in one step.

Options:
${FLEET_HELP}
  --out <dir>             output directory (default: dist)
  -q, --quiet             print only errors`;

export async function synthCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    out: { type: 'string' },
    quiet: { type: 'boolean', short: 'q' },
  });
  if (values.help) {
    io.out(SYNTH_HELP);
    return EXIT.ok;
  }
  const systems = loadDeclarations(values.systems ?? DEFAULT_SYSTEMS);
  const environments = loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS);
  const {
    fleet,
    environments: selectedEnvs,
    systems: selectedSystems,
  } = plan(systems, environments, {
    environments: values.env,
    systems: values.system,
  });
  const outDir = values.out ?? 'dist';
  const partial = selectedSystems.length !== fleet.systems.length;

  // Render everything before writing anything: a failure in one environment must not leave
  // another half-updated.
  const rendered = selectedEnvs.map((env) => ({
    env,
    files: renderEnvironment(fleet, env, selectedSystems),
  }));
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
  return EXIT.ok;
}
