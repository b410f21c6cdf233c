import type { ApplyResult, DestroyTarget, StackOptions } from '../stacks/automation';
import { formatObjectChange } from '../stacks/object-changes';
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
  parallel: { type: 'string' },
  stacks: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const CLUSTER_HELP_LINES = `  --kubeconfig <path>     kubeconfig of the target cluster (default: KUBECONFIG or ~/.kube/config)
  --context <name>        kubeconfig context (default: the current one)
  --skip-await            do not wait for readiness (for a control plane without nodes)
  --await-timeout <s>     give up waiting for a workload's readiness after this many
                          seconds and name the pods that are not ready (default: 600)
  --no-constraints        leave out Gatekeeper constraints (for a cluster without Gatekeeper running)
  --install-crds          install the upstream CRDs first (for a cluster without the platform add-ons)
  --parallel <n>          objects Pulumi works on at once in each stack (default: 16)
  --stacks <n>            up and preview: system stacks worked on at once, after the
                          platform's (default: 4; 1 = one after the other)
  -q, --quiet             do not stream Pulumi's progress`;

const STATE_HELP = `Each system has its own Pulumi stack (<env>.<system>) beside the platform's
(<env>.platform), so --system touches exactly the named systems. State goes to
PULUMI_BACKEND_URL or .syskit/state; PULUMI_CONFIG_PASSPHRASE encrypts stack
secrets. A stack locked by another run is waited for (SYSKIT_LOCK_ATTEMPTS
tries, SYSKIT_LOCK_DELAY_MS apart); a lock left by a killed run on this machine
is cleared.`;

const deployHelp = (verb: string, what: string, extra = '') => `Usage: syskit ${verb} --env <name> [options]

${what}

${STATE_HELP}

Options:
  --env <name>            the environment (required)
  --system <name>         only this system (repeatable; default: the platform and every system)
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
${extra}${CLUSTER_HELP_LINES}
  -h, --help              show this help`;

const HELP = {
  up: deployHelp(
    'up',
    `Applies the environment: the platform, then each system. Objects changed or deleted
out of band are restored; operations a killed run left pending are settled first.
Then the Vault side, the step "syskit vault apply" runs, to the Vault of VAULT_ADDR
and VAULT_TOKEN, or to the local cluster's Vault when the kubeconfig is that
cluster's ("syskit cluster up --platform"). Without either, it says that the step
is skipped.`,
  ),
  preview: deployHelp(
    'preview',
    'Shows what "syskit up" would change, per system; prints "no changes" when there is nothing to do.',
    '  --diff                  list every object and field that would change (old -> new; secrets masked)\n',
  ),
  destroy: deployHelp(
    'destroy',
    "Deletes everything the environment's stacks applied (or only the named systems'), after\nnaming it. Without a terminal to ask, it needs --yes or --confirm <env>.",
    '  --yes                   do not ask; delete what is named\n  --confirm <env>         do not ask, if <env> is the environment given\n',
  ),
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
    parallel: positiveInteger('--parallel', values.parallel),
    concurrentStacks: positiveInteger('--stacks', values.stacks),
    constraints: values['no-constraints'] !== true && settings.constraints,
    onOutput: values.quiet ? undefined : (text) => io.err(text.replace(/\n$/, '')),
    // Lock waits and recoveries are shown even with --quiet: they explain a slow or odd run.
    log: (line) => io.err(`syskit: ${line}`),
  };
  if (values['install-crds'] !== true) return options;
  const { crdsDir } = await import('../tools/upstream-crds');
  return { ...options, crdsDir: await crdsDir() };
}

function awaitTimeout(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0)
    throw new UsageError(`--await-timeout expects a positive number of seconds, got "${String(value)}"`);
  return seconds;
}

function positiveInteger(flag: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UsageError(`${flag} expects a positive whole number, got "${String(value)}"`);
  return n;
}

/** The result of up or preview: a total, then one line per stack that changes, then URLs. */
export function formatApply(environment: string, result: ApplyResult, diff: boolean): string[] {
  const lines = [`${environment}: ${result.summary}`];
  for (const stack of result.stacks) {
    if (stack.summary === 'no changes' && !(diff && stack.objects.length > 0)) continue;
    if (result.stacks.length > 1) lines.push(`  ${stack.part}: ${stack.summary}`);
    if (diff) for (const o of stack.objects) lines.push(...formatObjectChange(o));
  }
  for (const url of result.outputs.urls) lines.push(`  ${url}`);
  return lines;
}

/** `dev.commerce (41 objects; namespace commerce)`, one per stack. */
export function describeTargets(targets: readonly DestroyTarget[]): string[] {
  return targets.map(
    (t) =>
      `  ${t.part}: ${t.objects} object${t.objects === 1 ? '' : 's'}` +
      (t.namespaces.length
        ? `; namespace${t.namespaces.length === 1 ? '' : 's'} ${t.namespaces.join(', ')}`
        : '') +
      ` (stack ${t.stackName})`,
  );
}

/**
 * Destroying is confirmed on the command line (`--yes`, or `--confirm <env>` naming the same
 * environment) or by typing the environment's name at a terminal; with neither, nothing happens.
 */
export async function confirmDestroy(
  environment: string,
  values: { yes?: boolean; confirm?: string },
  io: Io,
  command = 'destroy',
): Promise<void> {
  if (values.confirm !== undefined && values.confirm !== environment) {
    throw new UsageError(
      `--confirm ${values.confirm} does not name the environment being destroyed (${environment})`,
    );
  }
  if (values.yes || values.confirm === environment) return;
  if (!io.ask) {
    throw new UsageError(
      `${command} deletes the objects named above and no terminal is attached to confirm it; ` +
        `rerun with --confirm ${environment} (or --yes)`,
    );
  }
  const answer = (await io.ask(`Type "${environment}" to delete them: `)).trim();
  if (answer !== environment) throw new UsageError(`not confirmed ("${answer}"); nothing was deleted`);
}

export function deployCommand(verb: 'up' | 'preview' | 'destroy') {
  return async (args: string[], io: Io): Promise<number> => {
    const { values } = parse(args, {
      env: { type: 'string' },
      system: { type: 'string', multiple: true },
      systems: { type: 'string' },
      environments: { type: 'string' },
      diff: { type: 'boolean' },
      yes: { type: 'boolean' },
      confirm: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CLUSTER_OPTIONS,
    });
    if (values.help) {
      io.out(HELP[verb]);
      return EXIT.ok;
    }
    if (!values.env) throw new UsageError(`syskit ${verb} needs --env <name>`);
    if (values.diff && verb !== 'preview') throw new UsageError('--diff is an option of "syskit preview"');
    if ((values.yes || values.confirm !== undefined) && verb !== 'destroy') {
      throw new UsageError('--yes and --confirm are options of "syskit destroy"');
    }
    const automation = await import('../stacks/automation');
    if (verb === 'destroy') {
      // Read from the backend rather than the declarations, so a system no longer declared
      // can still be named and removed.
      const { environments } = planFromFlags({ ...values, system: undefined });
      const environment = environments[0].name;
      if (environments[0].ephemeral)
        throw new UsageError(`"${environment}" is ephemeral; use "syskit env down"`);
      const options = await stackOptions(values, io, await stackSettingsOf(environment));
      const targets = await automation.destroyTargets(environment, values.system, options.log);
      if (targets.length === 0) {
        io.out(`${environment}: nothing to destroy (no stacks)`);
        return EXIT.ok;
      }
      io.out(`${environment}: destroy deletes`);
      for (const line of describeTargets(targets)) io.out(line);
      await confirmDestroy(environment, values, io);
      const changes = await automation.destroy(targets, options);
      io.out(`${environment}: destroyed (${automation.describeChanges(changes)})`);
      return EXIT.ok;
    }
    const { fleet, environments } = planFromFlags(values);
    const environment = environments[0];
    const settings = await stackSettingsOf(environment.name);
    const { stackTags } = await import('../stacks/stack-config');
    const options = {
      ...(await stackOptions(values, io, settings)),
      systems: values.system,
      tags: stackTags(environment.name, settings),
    };
    const vaultStep =
      verb === 'up'
        ? await (
            await import('./vault-step')
          ).prepareUpVaultStep(fleet, environment, values.system, options, io)
        : undefined;
    if (vaultStep?.refused !== undefined) return vaultStep.refused;
    const result =
      verb === 'up'
        ? await automation.up(fleet, environment, options).catch(async (error: unknown) => {
            await explainFailedUp(error, { fleet, environment, systems: values.system, options }, io);
            throw error;
          })
        : await automation.preview(fleet, environment, options);
    for (const line of formatApply(environment.name, result, values.diff === true)) io.out(line);
    return vaultStep ? vaultStep.run() : EXIT.ok;
  };
}

/**
 * What a failed `up` leaves unsaid: an admission webhook the API server could not call refuses
 * every object it covers (the platform's webhooks fail closed), so name it and the objects; and
 * when Pulumi says a workload did not become ready, say which pods and why.
 */
async function explainFailedUp(
  error: unknown,
  applied: {
    fleet: import('../model').Fleet;
    environment: import('../model').Environment;
    systems?: readonly string[];
    options: StackOptions;
  },
  io: Io,
): Promise<void> {
  const { webhookFailures } = await import('../stacks/webhook-failures');
  const failures = webhookFailures(
    `${(error as Error)?.message ?? ''}\n${(error as { stdout?: string }).stdout ?? ''}\n${(error as { stderr?: string }).stderr ?? ''}`,
  );
  for (const f of failures) {
    io.err(
      `syskit: admission webhook "${f.webhook}" could not be called for ${f.object ?? 'an object'}: ${f.reason}`,
    );
  }
  if (applied.options.skipAwait) return;
  const { resolve } = await import('../model');
  const { unreadyPods } = await import('../verify');
  const namespaces = applied.fleet.systems
    .filter((s) => !applied.systems || applied.systems.includes(s.name))
    .map((s) => resolve(s, applied.environment, applied.fleet).namespace);
  for (const line of await unreadyPods(namespaces, applied.options).catch(() => [])) io.err(line);
}

/**
 * The environment's settings file, `Pulumi.<env>.yaml`, which every stack of the environment
 * shares (`<env>.platform` and each `<env>.<system>`); its problems are usage errors.
 */
async function stackSettingsOf(environment: string): Promise<StackSettings> {
  const { readStackSettings } = await import('../stacks/stack-config');
  try {
    return readStackSettings(REPOSITORY_ROOT, environment);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
