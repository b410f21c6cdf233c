import type { StackOptions } from '../stacks/automation';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

/** Flags of every command that talks to a cluster through Pulumi. */
export const CLUSTER_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'skip-await': { type: 'boolean' },
  'no-constraints': { type: 'boolean' },
  'install-crds': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const CLUSTER_HELP_LINES = `  --kubeconfig <path>     kubeconfig of the target cluster (default: KUBECONFIG or ~/.kube/config)
  --context <name>        kubeconfig context (default: the current one)
  --skip-await            do not wait for readiness (for a control plane without nodes)
  --no-constraints        leave out Gatekeeper constraints (for a cluster without Gatekeeper running)
  --install-crds          install the upstream CRDs first (for a cluster without the platform add-ons)
  -q, --quiet             do not stream Pulumi's progress`;

const deployHelp = (verb: string, what: string) => `Usage: syskit ${verb} --env <name> [options]

${what}

The Pulumi stack is named after the environment; state goes to PULUMI_BACKEND_URL
or .syskit/state; PULUMI_CONFIG_PASSPHRASE encrypts stack secrets.

Options:
  --env <name>            the environment (required)
  --system <name>         apply only this system (repeatable; default: all)
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
${CLUSTER_HELP_LINES}
  -h, --help              show this help`;

const HELP = {
  up: deployHelp('up', 'Applies the environment: the platform objects, then one component per system.'),
  preview: deployHelp(
    'preview',
    'Shows what "syskit up" would change; prints "no changes" when there is nothing to do.',
  ),
  destroy: deployHelp('destroy', "Deletes everything the environment's stack applied."),
};

export function stackOptions(values: Record<string, unknown>, io: Io): Promise<StackOptions> {
  const options: StackOptions = {
    kubeconfig: values.kubeconfig as string | undefined,
    context: values.context as string | undefined,
    skipAwait: values['skip-await'] === true,
    constraints: values['no-constraints'] !== true,
    onOutput: values.quiet ? undefined : (text) => io.err(text.replace(/\n$/, '')),
  };
  if (values['install-crds'] !== true) return Promise.resolve(options);
  return import('../scripts/crds')
    .then(({ crdsDir }) => crdsDir())
    .then((crdsDir) => ({ ...options, crdsDir }));
}

export function deployCommand(verb: 'up' | 'preview' | 'destroy') {
  return async (args: string[], io: Io): Promise<number> => {
    const { values } = parse(args, {
      env: { type: 'string' },
      system: { type: 'string', multiple: true },
      systems: { type: 'string' },
      environments: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CLUSTER_OPTIONS,
    });
    if (values.help) {
      io.out(HELP[verb]);
      return EXIT.ok;
    }
    if (!values.env) throw new UsageError(`syskit ${verb} needs --env <name>`);
    const { destroy, preview, up } = await import('../stacks/automation');
    const { fleet, environments } = planFromFlags(values);
    const environment = environments[0];
    const options = { ...(await stackOptions(values, io)), systems: values.system };
    if (verb === 'destroy') {
      io.out(`${environment.name}: destroyed (${await destroy(fleet, environment, options)})`);
      return EXIT.ok;
    }
    const result =
      verb === 'up' ? await up(fleet, environment, options) : await preview(fleet, environment, options);
    io.out(`${environment.name}: ${result.summary}`);
    for (const url of result.outputs.urls) io.out(`  ${url}`);
    return EXIT.ok;
  };
}
