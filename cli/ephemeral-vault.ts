import type { VaultServer } from '../stacks/vault-apply';
import type { VaultRemoval } from '../stacks/vault-remove';
import { EXIT, type Io } from './io';
import { vaultTargetOf, type VaultTarget } from './vault-step';

/** The command that removes an environment's Vault objects later, with the namespaces its stack recorded. */
export function vaultRemoveCommand(name: string, namespaces: readonly string[]): string {
  return ['syskit vault remove --env', name, ...namespaces.map((ns) => `--namespace ${ns}`)].join(' ');
}

/**
 * Remove the Vault objects of ephemeral environment `name` that belong to `namespaces`, and say
 * what went, one Vault path a line; a Vault that refuses is exit 3, naming the command to finish.
 */
export async function reportVaultRemoval(
  name: string,
  namespaces: readonly string[],
  server: VaultServer,
  io: Io,
  from?: string,
): Promise<number> {
  const { environmentNamespaces, removeEnvironmentVault, removalPaths } =
    await import('../stacks/vault-remove');
  const { VaultApiError } = await import('../stacks/vault-apply');
  const own = environmentNamespaces(name, namespaces);
  if (own.length === 0) {
    io.out(`${name}: no namespaces recorded, so nothing of it to remove from Vault`);
    return EXIT.ok;
  }
  let removal: VaultRemoval;
  try {
    removal = await removeEnvironmentVault(server, own);
  } catch (error) {
    if (!(error instanceof VaultApiError)) throw error;
    io.err(
      `syskit: Vault refused: ${error.message}; run "${vaultRemoveCommand(name, own)}" to remove the rest`,
    );
    return EXIT.failure;
  }
  const where = `${server.address}${from ? ` (from ${from})` : ''}`;
  const paths = removalPaths(removal);
  if (paths.length === 0) {
    io.out(`${name}: nothing of ${own.join(', ')} in Vault at ${where}`);
    return EXIT.ok;
  }
  io.out(
    `${name}: removed from Vault at ${where}: ${removal.policies.length} policies, ` +
      `${removal.kubernetesRoles.length} Kubernetes-auth roles, ${removal.pkiRoles.length} Kafka PKI roles, ` +
      `${removal.databaseConnections.length} database connections with ${removal.databaseRoles.length} roles`,
  );
  for (const p of paths) io.out(`  ${p}`);
  return EXIT.ok;
}

export interface EphemeralVaultRemoval {
  /** Set when Vault does not answer before anything is destroyed: the exit code. */
  readonly refused?: number;
  /** After an environment's stack is destroyed: its Vault objects removed, or the line saying they were left. */
  remove(name: string, namespaces: readonly string[]): Promise<number>;
}

/**
 * Before `env down` or `env gc` destroys anything: the same Vault `syskit env up` applied to
 * (`chooseVaultTarget`), asked whether it answers, so an unreachable Vault stops the command before
 * a stack is gone and its namespaces with it.
 */
export async function prepareEphemeralVaultRemoval(
  cluster: { readonly kubeconfig?: string },
  io: Io,
): Promise<EphemeralVaultRemoval> {
  const { target } = await vaultTargetOf(cluster);
  if ('skip' in target) {
    return {
      remove: async (name, namespaces) => {
        const { environmentNamespaces } = await import('../stacks/vault-remove');
        const own = environmentNamespaces(name, namespaces);
        if (own.length > 0)
          io.out(
            `${name}: Vault objects left: ${target.skip}; run "${vaultRemoveCommand(name, own)}" once Vault is reachable`,
          );
        return EXIT.ok;
      },
    };
  }
  const refusal = await unreachable(target);
  if (refusal) {
    io.err(`syskit: Vault refused: ${refusal}; nothing was destroyed`);
    return { refused: EXIT.failure, remove: async () => EXIT.failure };
  }
  return { remove: (name, namespaces) => reportVaultRemoval(name, namespaces, target, io, target.from) };
}

async function unreachable(target: Exclude<VaultTarget, { skip: string }>): Promise<string | undefined> {
  const { VaultApiError, VaultClient } = await import('../stacks/vault-apply');
  try {
    // The removal reads the auth methods first; a token that may not do that may not remove either.
    await new VaultClient(target).request('GET', 'sys/auth');
    return undefined;
  } catch (error) {
    if (error instanceof VaultApiError) return error.message;
    throw error;
  }
}
