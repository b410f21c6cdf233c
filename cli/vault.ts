import * as path from 'node:path';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const VAULT_HELP = `Usage: syskit vault apply --env <name> [options]
       syskit vault remove --env <ephemeral name> [--namespace <ns>]... [options]

Applies the environment's Vault side, exactly as "syskit synth" wrote it for
review under <out>/<env>/vault/: each workload's policy and Kubernetes-auth
role, the PKI role that issues its Kafka client certificate, the database
engine's connection and readonly/readwrite roles, and the KV and database
engines they name. Every file is checked first (a policy path outside its
system's prefix or to another workload's certificate, a role bound to another
namespace, a PKI role that issues other names, an unexpected file): any problem
refuses the whole apply, exit 1, and nothing is written. The environment's
Kafka client PKI mount and its CA are set up outside syskit: when the mount is
missing, the apply says so, exit 3, and nothing is written. Applying again
changes nothing.

With --kubeconfig, Vault's Kubernetes auth method is configured to review
tokens with that cluster's API server (a ServiceAccount ${'`'}vault-token-reviewer${'`'}
with system:auth-delegator in the environment's Vault namespace), and each
database connection logs in with the owner password CloudNativePG keeps in the
Secret <cluster>-app.

"vault remove" removes an ephemeral environment's Vault objects, what "env down"
and "env gc" remove after destroying its stack: each workload's policy and
Kubernetes-auth role, its Kafka PKI role, and the database connection and roles
of each of its namespaces. Only objects that belong to those namespaces are
selected (a role bound to them, the policies such roles grant or whose header
names them, the PKI roles those policies issue from, the database connection
named after a namespace and its two roles); the base's and other environments'
objects never are. The namespaces default to <system>-<name> for every declared
system; a long-lived environment's name, a namespace without the -<name> suffix
and an environment whose stack still exists are refused. It names what it will
remove and, without a terminal to ask, needs --yes or --confirm <name>.

Options:
  --env <name>              the environment (required)
  --system <name>           apply only this system (repeatable; default: all)
  --systems <path>          systems to read (default: charts/)
  --environments <path>     environments to read (default: environments/)
  --out <dir>               where "syskit synth" wrote (default: dist)
  --vault-address <url>     Vault's address (default: VAULT_ADDR)
  --vault-token <token>     a token allowed to write policies, auth and engines
                            (default: VAULT_TOKEN)
  --kubeconfig <path>       the workload cluster, for token review and database passwords
  --database-address <h:p>  connect Vault to the databases at host:port, without TLS,
                            instead of the in-cluster Services (a local cluster)
  --namespace <ns>          remove: a namespace of the environment (repeatable;
                            default: <system>-<name> for every declared system)
  --yes                     remove: do not ask
  --confirm <name>          remove: do not ask, if <name> is the environment given
  -h, --help                show this help`;

export async function vaultCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      env: { type: 'string' },
      system: { type: 'string', multiple: true },
      systems: { type: 'string' },
      environments: { type: 'string' },
      out: { type: 'string' },
      'vault-address': { type: 'string' },
      'vault-token': { type: 'string' },
      kubeconfig: { type: 'string' },
      'database-address': { type: 'string' },
      namespace: { type: 'string', multiple: true },
      yes: { type: 'boolean' },
      confirm: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    // The action; anything after it is reported as an unexpected argument.
    1,
  );
  if (values.help) {
    io.out(VAULT_HELP);
    return EXIT.ok;
  }
  const [action] = positionals;
  if (action !== 'apply' && action !== 'remove') {
    throw new UsageError(
      `expected "vault apply" or "vault remove"${action ? `, got "vault ${action}"` : ''}`,
    );
  }
  if (!values.env) throw new UsageError(`syskit vault ${action} needs --env <name>`);
  const onlyFor = (flags: string[], verb: string) => {
    const given = flags.filter((f) => values[f as keyof typeof values] !== undefined);
    if (given.length > 0)
      throw new UsageError(
        `${given.map((f) => `--${f}`).join(', ')} ${given.length === 1 ? 'is an option' : 'are options'} of "syskit vault ${verb}"`,
      );
  };
  onlyFor(
    action === 'apply'
      ? ['namespace', 'yes', 'confirm']
      : ['system', 'out', 'kubeconfig', 'database-address'],
    action === 'apply' ? 'remove' : 'apply',
  );
  const address = values['vault-address'] ?? process.env.VAULT_ADDR;
  const token = values['vault-token'] ?? process.env.VAULT_TOKEN;
  if (action === 'remove') return removeCommand(values.env, values, io, () => server(address, token));
  const { address: vaultAddress, token: vaultToken } = server(address, token);
  const databaseAddress = values['database-address'];
  if (databaseAddress !== undefined && !/^[^:/\s]+:\d+$/.test(databaseAddress)) {
    throw new UsageError(`--database-address expects host:port, got "${databaseAddress}"`);
  }
  const { resolve } = await import('../model');
  const { reportVaultStep } = await import('./vault-step');
  const { fleet, environments, systems } = planFromFlags(values);
  const env = environments[0];
  return reportVaultStep(
    env.name,
    {
      envDir: path.join(values.out ?? 'dist', env.name),
      systems: systems.map((s) => resolve(s, env, fleet)),
      server: { address: vaultAddress, token: vaultToken },
      kubeconfig: values.kubeconfig,
      databaseAddress,
    },
    io,
  );
}

function server(address: string | undefined, token: string | undefined): { address: string; token: string } {
  if (!address) throw new UsageError("give Vault's address with --vault-address or VAULT_ADDR");
  if (!token) throw new UsageError('give a Vault token with --vault-token or VAULT_TOKEN');
  return { address, token };
}

/**
 * `vault remove`: refused, before Vault or the backend is asked, for a long-lived environment's
 * name and for a namespace that is not the environment's; then refused while the environment's
 * stack exists (its workloads still log in); then named, confirmed and removed.
 */
async function removeCommand(
  name: string,
  values: { namespace?: string[]; systems?: string; environments?: string; yes?: boolean; confirm?: string },
  io: Io,
  vault: () => { address: string; token: string },
): Promise<number> {
  const { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } = await import('../synth/load');
  const longLived = (
    loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS) as { name?: unknown }[]
  ).map((e) => e.name);
  if (longLived.includes(name)) {
    throw new UsageError(
      `"${name}" is a long-lived environment; "syskit vault remove" removes only an ephemeral environment's Vault objects`,
    );
  }
  const namespaces =
    values.namespace ??
    (loadDeclarations(values.systems ?? DEFAULT_SYSTEMS) as { name?: unknown }[]).map(
      (s) => `${String(s.name)}-${name}`,
    );
  const foreign = namespaces.filter((ns) => !ns.endsWith(`-${name}`) || ns.length <= name.length + 1);
  if (foreign.length > 0) {
    throw new UsageError(
      `${foreign.map((ns) => `--namespace ${ns}`).join(', ')}: not a namespace of ephemeral environment "${name}"; expected <system>-${name}`,
    );
  }
  const server = vault();
  const { stackNames } = await import('../stacks/automation');
  const { EPHEMERAL_PROJECT } = await import('../stacks/stack-names');
  if ((await stackNames(EPHEMERAL_PROJECT)).includes(name)) {
    throw new UsageError(
      `ephemeral environment "${name}" still exists; "syskit env down ${name}" destroys it and removes its Vault objects`,
    );
  }
  const { readVaultInventory, removalPaths, selectVaultObjects } = await import('../stacks/vault-remove');
  const { VaultApiError } = await import('../stacks/vault-apply');
  let paths: string[];
  try {
    paths = removalPaths(selectVaultObjects(await readVaultInventory(server, namespaces), namespaces));
  } catch (error) {
    if (!(error instanceof VaultApiError)) throw error;
    io.err(`syskit: Vault refused: ${error.message}; nothing was removed`);
    return EXIT.failure;
  }
  if (paths.length === 0) {
    io.out(`${name}: nothing of ${namespaces.join(', ')} in Vault at ${server.address}`);
    return EXIT.ok;
  }
  io.out(`${name}: vault remove deletes from ${server.address}`);
  for (const p of paths) io.out(`  ${p}`);
  const { confirmDestroy } = await import('./deploy');
  await confirmDestroy(name, values, io, 'vault remove');
  const { reportVaultRemoval } = await import('./ephemeral-vault');
  return reportVaultRemoval(name, namespaces, server, io);
}
