import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { plan, renderEnvironment } from '../synth/engine';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse } from './options';

export const VALIDATE_HELP = `Usage: syskit validate [options]

Checks every declaration (shapes, names, references, routes) and renders the
manifests in memory without writing them.

Options:
${FLEET_HELP}`;

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, FLEET_OPTIONS);
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  const systems = loadDeclarations(values.systems ?? DEFAULT_SYSTEMS);
  const environments = loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS);
  const {
    fleet,
    environments: envs,
    systems: selected,
  } = plan(systems, environments, { environments: values.env, systems: values.system });
  for (const env of envs) {
    const files = renderEnvironment(fleet, env, selected);
    io.out(`${env.name}: ${files.length} systems valid, ${files.reduce((n, f) => n + f.objects, 0)} objects`);
  }
  return EXIT.ok;
}
