import type { StackOptions } from '../stacks/automation';
import type { StackSettings } from '../stacks/stack-config';
import { REPOSITORY_ROOT } from '../model/repository-root';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

/** Flags of every command that talks to a cluster through Pulumi. */
export const CLUSTER_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  'skip-await': { type: 'boolean' },
  'await-timeout': { type: 'string' },
  'no-constraints': { type: 'boolean' },
  'install-crds': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const CLUSTER_HELP_LINES = `  --kubeconfig <path>     kubeconfig of the target cluster (default: KUBECONFIG or ~/.kube/config)
  --context <name>        kubeconfig context (default: the current one)
  --skip-await            do not wait for readiness (for a control plane without nodes)
  --await-timeout <s>     give up waiting for a workload's readiness after this many
                          seconds and name the pods that are not ready (default: 600)
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
  up: deployHelp(
    'up',
    `Applies the environment: the platform objects, then one component per system; then
the Vault side, the step "syskit vault apply" runs, to the Vault of VAULT_ADDR and
VAULT_TOKEN, or to the local cluster's Vault when the kubeconfig is that cluster's
("syskit cluster up --platform"). Without either, it says that the step is skipped.`,
  ),
  preview: deployHelp(
    'preview',
    'Shows what "syskit up" would change; prints "no changes" when there is nothing to do.',
  ),
  destroy: deployHelp('destroy', "Deletes everything the environment's stack applied."),
};

/**
 * The stack's options: the flags, then what `Pulumi.<stack>.yaml` says (the file `pulumi up`
 * reads), then the defaults of Pulumi.yaml's config schema.
 */
export async function stackOptions(
  values: Record<string, unknown>,
  io: Io,
  given?: StackSettings,
): Promise<StackOptions> {
  const settings =
    given ?? (await import('../stacks/stack-config')).stackSettings(() => undefined, 'defaults');
  const options: StackOptions = {
    kubeconfig: (values.kubeconfig as string | undefined) ?? settings.kubeconfig,
    context: (values.context as string | undefined) ?? settings.context,
    skipAwait: values['skip-await'] === true || settings.skipAwait,
    awaitTimeoutSeconds: awaitTimeout(values['await-timeout']),
    constraints: values['no-constraints'] !== true && settings.constraints,
    onOutput: values.quiet ? undefined : (text) => io.err(text.replace(/\n$/, '')),
  };
  if (values['install-crds'] !== true) return options;
  const { crdsDir } = await import('../scripts/crds');
  return { ...options, crdsDir: await crdsDir() };
}

function awaitTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new UsageError(`--await-timeout expects a positive number of seconds, got "${String(value)}"`);
  return seconds;
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
    const { readStackSettings, stackTags } = await import('../stacks/stack-config');
    const { fleet, environments } = planFromFlags(values);
    const environment = environments[0];
    const settings = stackSettingsOf(environment.name, readStackSettings);
    const options = {
      ...(await stackOptions(values, io, settings)),
      systems: values.system,
      tags: stackTags(environment.name, settings),
    };
    if (verb === 'destroy') {
      io.out(`${environment.name}: destroyed (${await destroy(fleet, environment, options)})`);
      return EXIT.ok;
    }
    const vaultStep =
      verb === 'up'
        ? await (
            await import('./vault-step')
          ).prepareUpVaultStep(fleet, environment, values.system, options, io)
        : undefined;
    if (vaultStep?.refused !== undefined) return vaultStep.refused;
    const result =
      verb === 'up'
        ? await up(fleet, environment, options).catch(async (error: unknown) => {
            const { webhookFailures } = await import('../stacks/webhook-failures');
            // An admission webhook the API server could not call refuses every object it
            // covers (the platform's webhooks fail closed): name it and the objects.
            const failures = webhookFailures(
              `${(error as Error)?.message ?? ''}\n${(error as { stdout?: string }).stdout ?? ''}\n${(error as { stderr?: string }).stderr ?? ''}`,
            );
            for (const f of failures) {
              io.err(
                `syskit: admission webhook "${f.webhook}" could not be called for ${f.object ?? 'an object'}: ${f.reason}`,
              );
            }
            // Pulumi says a workload did not become ready; say which pods and why.
            if (!options.skipAwait) {
              const { resolve } = await import('../model');
              const { unreadyPods } = await import('../verify');
              const namespaces = fleet.systems
                .filter((s) => !values.system || values.system.includes(s.name))
                .map((s) => resolve(s, environment, fleet).namespace);
              for (const line of await unreadyPods(namespaces, options).catch(() => [])) io.err(line);
            }
            throw error;
          })
        : await preview(fleet, environment, options);
    io.out(`${environment.name}: ${result.summary}`);
    for (const url of result.outputs.urls) io.out(`  ${url}`);
    return vaultStep ? vaultStep.run() : EXIT.ok;
  };
}

/** The stack's settings file, with its problems as usage errors (they are the user's to fix). */
function stackSettingsOf(
  environment: string,
  read: (root: string, environment: string) => StackSettings,
): StackSettings {
  try {
    return read(REPOSITORY_ROOT, environment);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
