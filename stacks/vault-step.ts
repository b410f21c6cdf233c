/**
 * The Vault step of an environment, one sequence whoever runs it (`syskit vault apply`, or
 * `syskit up` once the Kubernetes side is applied): every file checked, then what Vault must
 * already hold (the platform's Kafka PKI mount), then what the cluster holds for Vault (a token
 * reviewer, the databases' owner passwords), then the writes. Nothing is written to Vault unless
 * every check before it passed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderVaultFiles } from '../constructs/vault-files';
import type { ResolvedSystem } from '../model';
import { vaultDir } from '../synth/engine';
import {
  applyVault,
  checkVaultPrerequisites,
  planVault,
  type VaultApplyResult,
  type VaultServer,
} from './vault-apply';
import { databaseOwnerPasswords, kubernetesReviewer } from './vault-cluster-access';

export interface VaultStepOptions {
  /** The environment's folder that holds `vault/<system>/` (what `syskit synth` wrote). */
  readonly envDir: string;
  /** The systems to apply, resolved for the environment. */
  readonly systems: readonly ResolvedSystem[];
  readonly server: VaultServer;
  /** The workload cluster: token review and database owner passwords. @default - neither */
  readonly kubeconfig?: string;
  /** The kubeconfig context to use. @default - the kubeconfig's current context */
  readonly context?: string;
  /** `host:port` of the databases, without TLS, instead of the in-cluster Services. */
  readonly databaseAddress?: string;
}

export interface VaultStepResult extends VaultApplyResult {
  /** The API server Vault's Kubernetes auth reviews tokens with, when it was configured. */
  readonly reviewedBy?: string;
}

export async function runVaultStep(opts: VaultStepOptions): Promise<VaultStepResult> {
  const plans = planVault(opts.envDir, opts.systems);
  // Before reading anything from the cluster: a Vault that lacks the platform's part cannot take the apply.
  await checkVaultPrerequisites(plans, opts.server);
  const access = opts.kubeconfig ? { kubeconfig: opts.kubeconfig, context: opts.context } : undefined;
  const namespace = opts.systems[0]?.environment.vault.namespace;
  const kubernetes = access && namespace ? await kubernetesReviewer(access, namespace) : undefined;
  const withDatabase = opts.systems.filter((s) => plans.some((p) => p.system === s.name && p.database));
  const databasePasswords =
    access && withDatabase.length > 0 ? await databaseOwnerPasswords(access, withDatabase) : undefined;
  const result = await applyVault(plans, opts.server, {
    kubernetes,
    databasePasswords,
    databaseAddress: opts.databaseAddress,
  });
  return { ...result, reviewedBy: kubernetes?.host };
}

/**
 * Write the Vault files of `systems` the way `syskit synth` does, into a fresh folder, and return
 * the environment folder to plan from; `syskit up` applies from declarations, so its Vault step
 * reads the files those declarations render now, not an older `dist/`. The caller removes the
 * folder (its parent) when done.
 */
export function renderVaultTree(systems: readonly ResolvedSystem[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-vault-'));
  const envDir = path.join(root, systems[0]?.environment.name ?? 'env');
  for (const system of systems) {
    const files = renderVaultFiles(system);
    if (files.size === 0) continue;
    const dir = path.join(envDir, vaultDir(system.name));
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
  }
  return envDir;
}
