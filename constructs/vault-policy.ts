import { compare, sharedWorkloadName, type ResolvedSystem, type ResolvedWorkload } from '../model';
import { kafkaCaChainPath, kafkaIssuePath, usesKafka } from './kafka-client-certificate';

/**
 * The audience of the ServiceAccount token a workload's Vault Agent presents. Vault's
 * Kubernetes auth role accepts only tokens minted for it, so a token stolen from anywhere
 * else (or the API-server audience token) does not log in.
 */
export const VAULT_AUDIENCE = 'vault';

/** How long a Vault token issued to a workload lives before the agent must log in again. */
export const VAULT_TOKEN_TTL_SECONDS = 3600;
/** The longest a workload's Vault token may be renewed to. */
export const VAULT_TOKEN_MAX_TTL_SECONDS = 4 * 3600;

/** Access modes a workload can declare on its system's database. */
export type DatabaseAccess = 'readwrite' | 'readonly';

/** One `path` stanza of a Vault policy. */
export interface VaultPolicyRule {
  /** Exact Vault API path (no globs: least privilege). */
  readonly path: string;
  readonly capabilities: readonly string[];
}

/** A Vault ACL policy that grants one workload what it declared, and nothing else. */
export interface VaultPolicy {
  readonly name: string;
  /** Sorted by path. */
  readonly rules: readonly VaultPolicyRule[];
}

/** A role of Vault's Kubernetes auth method, bound to exactly one ServiceAccount. */
export interface VaultKubernetesRole {
  readonly name: string;
  /** Mount of the Kubernetes auth method, without the `auth/` prefix. */
  readonly authMount: string;
  readonly boundServiceAccountNames: readonly string[];
  readonly boundServiceAccountNamespaces: readonly string[];
  readonly audience: string;
  readonly tokenPolicies: readonly string[];
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
}

/** Everything Vault must hold for one workload to read its secrets. */
export interface WorkloadVaultAccess {
  readonly workload: string;
  readonly role: VaultKubernetesRole;
  readonly policy: VaultPolicy;
}

/**
 * The name of a workload's Vault role and policy. It carries the namespace, not the system
 * name: an ephemeral environment shares its base's Vault, and its namespace (`<system>-<env>`)
 * is what keeps its roles apart from the base's.
 */
export function vaultRoleName(system: ResolvedSystem, workload: ResolvedWorkload): string {
  return sharedWorkloadName(system.namespace, workload.name);
}

/**
 * The Vault database role a workload's credentials come from. There is one per system (in
 * practice, per namespace) and access mode, not one per workload: every workload with the same
 * mode would get identical grants, so per-workload roles would add Vault objects without
 * separating any privilege. Per-workload isolation comes from the Vault policy, which lets each
 * workload read only the creds path of the mode it declared.
 */
export function databaseRoleName(system: Pick<ResolvedSystem, 'namespace'>, access: DatabaseAccess): string {
  return `${system.namespace}-${access}`;
}

/** The path a workload reads to get short-lived database credentials. */
export function databaseCredsPath(system: ResolvedSystem, access: DatabaseAccess): string {
  return `${system.environment.vault.databaseMount}/creds/${databaseRoleName(system, access)}`;
}

/** Whether the workload needs Vault at all: it declared secrets, database access or topics (its Kafka certificate). */
export function needsVault(workload: ResolvedWorkload): boolean {
  return workload.secrets.length > 0 || workload.database !== undefined || usesKafka(workload);
}

/** The role and policy for one workload, or undefined when it declares nothing Vault holds. */
export function workloadVaultAccess(
  system: ResolvedSystem,
  workload: ResolvedWorkload,
): WorkloadVaultAccess | undefined {
  if (!needsVault(workload)) return undefined;
  const name = vaultRoleName(system, workload);
  const capabilities = new Map(workload.secrets.map((s) => [s.path, ['read']]));
  if (workload.database) capabilities.set(databaseCredsPath(system, workload.database), ['read']);
  if (usesKafka(workload)) {
    // Issuing a certificate is a write; the role behind the path allows only this workload's name.
    capabilities.set(kafkaIssuePath(system, workload), ['update']);
    capabilities.set(kafkaCaChainPath(system), ['read']);
  }
  return {
    workload: workload.name,
    role: {
      name,
      authMount: system.environment.vault.authMount,
      boundServiceAccountNames: [workload.serviceAccount],
      boundServiceAccountNamespaces: [system.namespace],
      audience: VAULT_AUDIENCE,
      tokenPolicies: [name],
      tokenTtlSeconds: VAULT_TOKEN_TTL_SECONDS,
      tokenMaxTtlSeconds: VAULT_TOKEN_MAX_TTL_SECONDS,
    },
    policy: {
      name,
      rules: [...capabilities.keys()]
        .sort(compare)
        .map((path) => ({ path, capabilities: capabilities.get(path)! })),
    },
  };
}

/** Vault access for every service and job of the system that needs it, services first, by name. */
export function systemVaultAccess(system: ResolvedSystem): WorkloadVaultAccess[] {
  return [...system.services, ...system.jobs]
    .map((w) => workloadVaultAccess(system, w))
    .filter((a): a is WorkloadVaultAccess => a !== undefined);
}

/** The policy as HCL, ready for `vault policy write <name> <file>`. */
export function policyHcl(policy: VaultPolicy, header?: string): string {
  const lines = header ? header.split('\n').map((l) => `# ${l}`.trimEnd()) : [];
  for (const rule of policy.rules) {
    if (lines.length > 0) lines.push('');
    lines.push(`path ${JSON.stringify(rule.path)} {`);
    lines.push(`  capabilities = [${rule.capabilities.map((c) => JSON.stringify(c)).join(', ')}]`);
    lines.push('}');
  }
  return `${lines.join('\n')}\n`;
}

/** The policy of one workload as the file a reviewer reads and Vault stores: HCL with a header saying whose it is. */
export function policyDocument(system: ResolvedSystem, access: WorkloadVaultAccess): string {
  const header = [
    `Vault policy for ${system.name}/${access.workload} in environment ${system.environment.name} (namespace ${system.namespace}).`,
    'Generated by syskit: access to exactly the paths the workload declares (its Kafka certificate is issued with update).',
  ].join('\n');
  return policyHcl(access.policy, header);
}

/**
 * The namespace a policy document says it was written for (its header), or undefined for a
 * policy syskit did not write. Removing an environment's policies relies on it when the role
 * that named a policy is already gone.
 */
export function policyDocumentNamespace(hcl: string): string | undefined {
  return /^# Vault policy for \S+ in environment \S+ \(namespace ([a-z0-9-]+)\)\.$/m.exec(hcl)?.[1];
}

/**
 * The role as the body of Vault's API (`vault write auth/<mount>/role/<name> @<file>`), so the
 * reviewed file is exactly what is applied.
 */
export function roleApiBody(role: VaultKubernetesRole): Record<string, unknown> {
  return {
    bound_service_account_names: [...role.boundServiceAccountNames],
    bound_service_account_namespaces: [...role.boundServiceAccountNamespaces],
    audience: role.audience,
    token_policies: [...role.tokenPolicies],
    token_ttl: role.tokenTtlSeconds,
    token_max_ttl: role.tokenMaxTtlSeconds,
  };
}
