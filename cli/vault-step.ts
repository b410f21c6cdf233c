import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Environment, Fleet } from '../model';
import { stateDir } from '../stacks/state-dir';
import type { VaultStepOptions } from '../stacks/vault-step';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';

/** Where the Vault step of `syskit up` applies to, or why it does not run. */
export type VaultTarget =
  | {
      readonly address: string;
      readonly token: string;
      readonly databaseAddress?: string;
      readonly from: string;
    }
  | { readonly skip: string };

/** The parts of the local cluster's `cluster.json` the Vault step reads. */
export interface LocalClusterState {
  readonly kubeconfig: string;
  readonly vault?: { readonly address: string; readonly token: string };
  readonly postgres?: { readonly host: string; readonly port: number };
}

/**
 * VAULT_ADDR and VAULT_TOKEN when set; otherwise the dev-mode Vault of the local cluster
 * (`syskit cluster up --platform`), but only when `up` targets that cluster, so a local Vault is
 * never configured to review tokens of another cluster. The local cluster's PostgreSQL stands in
 * for the databases' Services whenever its Vault is the one applied to.
 */
export function chooseVaultTarget(
  env: Readonly<Record<string, string | undefined>>,
  kubeconfig: string | undefined,
  local: { readonly dir: string; readonly state?: LocalClusterState },
): VaultTarget {
  const { state } = local;
  const localVault = state?.vault;
  const targetsLocal =
    kubeconfig !== undefined &&
    state !== undefined &&
    path.resolve(kubeconfig) === path.resolve(state.kubeconfig);
  const databaseAddress = (address: string) =>
    targetsLocal && state?.postgres && localVault?.address === address
      ? `${state.postgres.host}:${state.postgres.port}`
      : undefined;
  if (env.VAULT_ADDR) {
    if (!env.VAULT_TOKEN) {
      throw new UsageError(
        `VAULT_ADDR is set (${env.VAULT_ADDR}) but VAULT_TOKEN is not: give the token the Vault step applies with, or unset VAULT_ADDR to skip the step`,
      );
    }
    return {
      address: env.VAULT_ADDR,
      token: env.VAULT_TOKEN,
      databaseAddress: databaseAddress(env.VAULT_ADDR),
      from: 'VAULT_ADDR',
    };
  }
  if (localVault && targetsLocal) {
    return {
      ...localVault,
      databaseAddress: databaseAddress(localVault.address),
      from: `the local cluster in ${local.dir}`,
    };
  }
  const why = localVault
    ? `VAULT_ADDR is not set, and the local cluster's Vault (${local.dir}) belongs to another kubeconfig than the one applied to`
    : `VAULT_ADDR is not set and no local cluster with a Vault runs in ${local.dir}`;
  return { skip: why };
}

/** The kubeconfig kubectl would use: the given one, else the first of KUBECONFIG, else ~/.kube/config. */
export function effectiveKubeconfig(
  given: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  const candidate =
    given ??
    env.KUBECONFIG?.split(path.delimiter).find(Boolean) ??
    path.join(os.homedir(), '.kube', 'config');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** The Vault a command that applies to the cluster of `cluster.kubeconfig` works with (`chooseVaultTarget`). */
export async function vaultTargetOf(cluster: {
  readonly kubeconfig?: string;
}): Promise<{ target: VaultTarget; kubeconfig?: string }> {
  const { readState } = await import('../cluster/state');
  const localDir = path.join(stateDir(), 'cluster');
  const kubeconfig = effectiveKubeconfig(cluster.kubeconfig, process.env);
  return {
    target: chooseVaultTarget(process.env, kubeconfig, { dir: localDir, state: readState(localDir) }),
    kubeconfig,
  };
}

/**
 * Run the Vault step and say what it did; its failures as exit codes (files that fail the checks:
 * 1; a Vault without the platform's part, or one that refuses a write: 3).
 */
export async function reportVaultStep(
  envName: string,
  opts: VaultStepOptions,
  io: Io,
  from?: string,
): Promise<number> {
  const { runVaultStep } = await import('../stacks/vault-step');
  const { VaultApiError, VaultPlanError, VaultPrerequisiteError } = await import('../stacks/vault-apply');
  try {
    const result = await runVaultStep(opts);
    io.out(
      `${envName}: applied to ${opts.server.address}${from ? ` (from ${from})` : ''}: ` +
        `${result.policies} policies, ${result.roles} Kubernetes-auth roles, ` +
        `${result.pkiRoles} Kafka PKI roles, ` +
        `${result.databaseConnections} database connections with ${result.databaseRoles} roles` +
        (result.reviewedBy ? `; Kubernetes auth reviews tokens with ${result.reviewedBy}` : ''),
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

export interface UpVaultStep {
  /** Set when the step refuses before `up` applies anything: the exit code `up` returns. */
  readonly refused?: number;
  /** After the Kubernetes side is applied: the Vault step (or the line saying it is skipped); its exit code. */
  run(): Promise<number>;
}

/**
 * Before `syskit up` applies anything: decide where the Vault step goes, render its files from
 * the same declarations, check them and check that Vault holds the platform's part, so what would
 * stop the step stops `up` before its first write.
 */
export async function prepareUpVaultStep(
  fleet: Fleet,
  environment: Environment,
  selected: readonly string[] | undefined,
  cluster: { readonly kubeconfig?: string; readonly context?: string },
  io: Io,
  /** The command that applies the step later, named when it is skipped. @default - syskit vault apply --env <env> */
  retry?: string,
): Promise<UpVaultStep> {
  const { target, kubeconfig } = await vaultTargetOf(cluster);
  if ('skip' in target) {
    return {
      run: async () => {
        io.out(
          `${environment.name}: Vault step skipped: ${target.skip}; ` +
            `run "${retry ?? `syskit vault apply --env ${environment.name}`}" once Vault is reachable`,
        );
        return EXIT.ok;
      },
    };
  }
  const { resolve } = await import('../model');
  const { checkVaultPrerequisites, planVault, VaultApiError, VaultPlanError, VaultPrerequisiteError } =
    await import('../stacks/vault-apply');
  const { renderVaultTree } = await import('../stacks/vault-step');
  const systems = fleet.systems
    .filter((s) => !selected || selected.includes(s.name))
    .map((s) => resolve(s, environment, fleet));
  // Rendered for the checks now and again for the apply, so nothing is left behind when `up` fails between.
  const rendered = () => {
    const envDir = renderVaultTree(systems);
    return { envDir, cleanUp: () => fs.rmSync(path.dirname(envDir), { recursive: true, force: true }) };
  };
  const refuse = (code: number, line: string): UpVaultStep => {
    io.err(`syskit: ${line}`);
    return { refused: code, run: async () => code };
  };
  const check = rendered();
  try {
    await checkVaultPrerequisites(planVault(check.envDir, systems), target);
  } catch (error) {
    if (error instanceof VaultPlanError) return refuse(EXIT.invalid, error.message);
    if (error instanceof VaultPrerequisiteError)
      return refuse(EXIT.failure, `Vault is not ready: ${error.message}`);
    if (error instanceof VaultApiError)
      return refuse(EXIT.failure, `Vault refused: ${error.message}; nothing was applied`);
    throw error;
  } finally {
    check.cleanUp();
  }
  return {
    run: () => {
      const apply = rendered();
      return reportVaultStep(
        environment.name,
        {
          envDir: apply.envDir,
          systems,
          server: target,
          kubeconfig,
          context: cluster.context,
          databaseAddress: target.databaseAddress,
        },
        io,
        target.from,
      ).finally(apply.cleanUp);
    },
  };
}
