import { RISKS } from '../review/risk';
import { EXIT, type Io } from './io';

export const DIFF_HELP = `Usage: syskit diff [--env <name>]... [--base <git-ref> | --base-dir <path>] [options]
       syskit diff --env <name> --against-env <name> [options]

Compares the fleet at a base with the working copy, per environment and system:
security changes (calls, routes, Vault paths, database access, topics, OPA,
images, policy enforcement), sizing changes (replicas, autoscaling, resources,
quota, database, partitions) and config, each with a risk (${RISKS.join(', ')}),
and the rendered objects added, removed and changed per kind. Only systems whose
resolved inputs differ are rendered.

Options:
  --env <name>            environment to compare (repeatable; default: all)
  --base <git-ref>        the base commit, read with git archive (default: HEAD);
                          the work tree and index are left alone
  --base-dir <path>       the base as a folder laid out like the working copy
  --against-env <name>    compare --env with this environment of the working copy
                          instead (what promoting --env to it would change)
  --format <f>            text (default), markdown (a pull-request comment) or json
  --objects               add a unified diff of the changed objects
  --fail-on <risk>        exit 1 only for a change at this risk or above
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
  -h, --help              show this help

JSON: {base, head, environments: [{name, systems: [{name, risk, changes:
[{kind, category, subject, before, after, risk}], objects: {added, removed,
changed}}]}]}; cluster-wide changes are reported as the system "platform".

Exit codes: 0 nothing to review (or nothing at --fail-on), 1 changes to review
or invalid declarations, 2 usage error.`;

export async function diffCommand(args: string[], io: Io): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    io.out(DIFF_HELP);
    return EXIT.ok;
  }
  return (await import('./diff-run')).runDiff(args, io);
}
