import { UsageError } from '../synth/errors';
import { CLUSTER_HELP_LINES, CLUSTER_OPTIONS, stackOptions } from './deploy';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const DRIFT_HELP = `Usage: syskit drift --env <name> [options]

Reads every object the environment's stacks applied back from the cluster and
reports each one changed or deleted out of band (kubectl edit, scale, delete),
grouped by system and owner, with the declared fields that moved. Nothing is
changed, not even the recorded state: "syskit up" restores what drifted.

Exit codes: 0 no drift, 1 drift found, 2 usage error, 3 the cluster or backend failed.

Options:
  --env <name>            the environment (required)
  --system <name>         only this system (repeatable; default: the platform and every system)
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
${CLUSTER_HELP_LINES}
  -h, --help              show this help`;

export async function driftCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string' },
    system: { type: 'string', multiple: true },
    systems: { type: 'string' },
    environments: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...CLUSTER_OPTIONS,
  });
  if (values.help) {
    io.out(DRIFT_HELP);
    return EXIT.ok;
  }
  if (!values.env) throw new UsageError('syskit drift needs --env <name>');
  const { fleet, environments } = planFromFlags(values);
  const environment = environments[0];
  const options = { ...(await stackOptions(values, io)), systems: values.system };
  const { detectDrift, formatDrift } = await import('../stacks/drift');
  const report = await detectDrift(fleet, environment, options);
  for (const stack of report.notApplied) io.err(`syskit: ${stack} was never applied; nothing to compare`);
  for (const line of formatDrift(environment.name, report)) io.out(line);
  // A scheduled CI job fails on drift, like a test on a regression.
  return report.objects.length > 0 ? EXIT.invalid : EXIT.ok;
}
