import * as path from 'node:path';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const VAULT_HELP = `Usage: syskit vault apply --env <name> [options]

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
      help: { type: 'boolean', short: 'h' },
    },
    // The action; anything after it is reported as an unexpected argument.
    1,
  );
  if (values.help) {
    io.out(VAULT_HELP);
    return EXIT.ok;
  }
  const { resolve } = await import('../model');
  const {
    applyVault,
    checkVaultPrerequisites,
    planVault,
    VaultApiError,
    VaultPlanError,
    VaultPrerequisiteError,
  } = await import('../stacks/vault-apply');
  const { databaseOwnerPasswords, kubernetesReviewer } = await import('../stacks/vault-cluster-access');
  const [action] = positionals;
  if (action !== 'apply') {
    throw new UsageError(`expected "vault apply"${action ? `, got "vault ${action}"` : ''}`);
  }
  if (!values.env) throw new UsageError('syskit vault apply needs --env <name>');
  const address = values['vault-address'] ?? process.env.VAULT_ADDR;
  const token = values['vault-token'] ?? process.env.VAULT_TOKEN;
  if (!address) throw new UsageError("give Vault's address with --vault-address or VAULT_ADDR");
  if (!token) throw new UsageError('give a Vault token with --vault-token or VAULT_TOKEN');
  const databaseAddress = values['database-address'];
  if (databaseAddress !== undefined && !/^[^:/\s]+:\d+$/.test(databaseAddress)) {
    throw new UsageError(`--database-address expects host:port, got "${databaseAddress}"`);
  }
  const { fleet, environments, systems } = planFromFlags(values);
  const env = environments[0];
  const resolved = systems.map((s) => resolve(s, env, fleet));
  const envDir = path.join(values.out ?? 'dist', env.name);
  try {
    const plans = planVault(envDir, resolved);
    // Before reading anything from the cluster: a Vault that lacks the platform's part cannot take the apply.
    await checkVaultPrerequisites(plans, { address, token });
    const kubeconfig = values.kubeconfig;
    const kubernetes = kubeconfig ? await kubernetesReviewer(kubeconfig, env.vault.namespace) : undefined;
    const needPasswords = plans.some((p) => p.database);
    const databasePasswords =
      kubeconfig && needPasswords
        ? await databaseOwnerPasswords(
            kubeconfig,
            resolved.filter((s) => plans.some((p) => p.system === s.name && p.database)),
          )
        : undefined;
    const result = await applyVault(
      plans,
      { address, token },
      { kubernetes, databasePasswords, databaseAddress },
    );
    io.out(
      `${env.name}: applied to ${address}: ${result.policies} policies, ${result.roles} Kubernetes-auth roles, ` +
        `${result.pkiRoles} Kafka PKI roles, ` +
        `${result.databaseConnections} database connections with ${result.databaseRoles} roles` +
        (kubernetes ? `; Kubernetes auth reviews tokens with ${kubernetes.host}` : ''),
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof VaultPlanError) {
      io.err(`syskit: ${error.message}`);
      return EXIT.invalid;
    }
    if (error instanceof VaultPrerequisiteError) {
      io.err(`syskit: Vault is not ready: ${error.message}`);
      return EXIT.failure;
    }
    if (error instanceof VaultApiError) {
      io.err(`syskit: Vault refused: ${error.message}`);
      return EXIT.failure;
    }
    throw error;
  }
}
