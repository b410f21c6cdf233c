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
  const { resolve } = await import('../model');
  const { reportVaultStep } = await import('./vault-step');
  const { fleet, environments, systems } = planFromFlags(values);
  const env = environments[0];
  return reportVaultStep(
    env.name,
    {
      envDir: path.join(values.out ?? 'dist', env.name),
      systems: systems.map((s) => resolve(s, env, fleet)),
      server: { address, token },
      kubeconfig: values.kubeconfig,
      databaseAddress,
    },
    io,
  );
}
