/**
 * Removes an ephemeral environment's Vault side: the objects `syskit vault apply` wrote for its
 * namespaces (each workload's policy and Kubernetes-auth role, the PKI role of its Kafka client
 * certificate, each database connection and its readonly/readwrite roles). An ephemeral
 * environment shares its base's Vault, mounts and auth method, so those stay; only objects that
 * provably belong to one of the environment's namespaces are selected:
 *
 * - a Kubernetes-auth role whose name starts with `<namespace>-` and whose bound namespaces are all
 *   the environment's (a long-lived or another ephemeral environment's role is bound to its own);
 * - a policy whose name starts with `<namespace>-` and that such a role grants, or whose syskit
 *   header names the namespace; never one that a role left in Vault still grants;
 * - a PKI role that a selected policy issues certificates from (`<mount>/issue/<name>`): its name
 *   alone (`<namespace>-<workload>`) cannot tell `commerce-pr-4` + `x-orders` from
 *   `commerce-pr-4-x` + `orders`;
 * - database roles named exactly `<namespace>-readonly`/`-readwrite` over the connection named
 *   exactly `<namespace>`, and that connection.
 *
 * Policies go last, so a removal that is interrupted still finds the PKI roles on a rerun.
 */
import { databaseRoleName, policyDocumentNamespace } from '../constructs/vault-policy';
import { VaultApiError, VaultClient, type VaultServer } from './vault-apply';

/** What Vault holds that may belong to the namespaces, as read by `readVaultInventory`. */
export interface VaultInventory {
  readonly kubernetesRoles: ReadonlyArray<{
    readonly mount: string;
    readonly name: string;
    readonly boundNamespaces: readonly string[];
    readonly tokenPolicies: readonly string[];
  }>;
  readonly policies: ReadonlyArray<{ readonly name: string; readonly hcl: string }>;
  readonly pkiRoles: ReadonlyArray<{ readonly mount: string; readonly name: string }>;
  readonly databaseRoles: ReadonlyArray<{
    readonly mount: string;
    readonly name: string;
    readonly dbName: string;
  }>;
  readonly databaseConnections: ReadonlyArray<{ readonly mount: string; readonly name: string }>;
}

/** The objects to remove, each as the Vault API path it is deleted at. */
export interface VaultRemoval {
  readonly kubernetesRoles: readonly string[];
  readonly pkiRoles: readonly string[];
  /** Database roles; their leases are revoked before they go. */
  readonly databaseRoles: readonly string[];
  readonly databaseConnections: readonly string[];
  readonly policies: readonly string[];
}

export function removalPaths(removal: VaultRemoval): string[] {
  return [
    ...removal.kubernetesRoles,
    ...removal.pkiRoles,
    ...removal.databaseRoles,
    ...removal.databaseConnections,
    ...removal.policies,
  ];
}

/**
 * The namespaces of ephemeral environment `environment` among `namespaces`: those named
 * `<system>-<environment>`. Anything else recorded or given is never the environment's.
 */
export function environmentNamespaces(environment: string, namespaces: readonly string[]): string[] {
  const suffix = `-${environment}`;
  return [...new Set(namespaces)].filter((ns) => ns.endsWith(suffix) && ns.length > suffix.length).sort();
}

/** Selects the inventory's objects that belong to `namespaces` (see the module comment); pure. */
export function selectVaultObjects(inventory: VaultInventory, namespaces: readonly string[]): VaultRemoval {
  const mine = new Set(namespaces);
  const prefixed = (name: string) => namespaces.some((ns) => name.startsWith(`${ns}-`));
  const roles = inventory.kubernetesRoles.filter(
    (r) =>
      r.boundNamespaces.length > 0 &&
      r.boundNamespaces.every((ns) => mine.has(ns)) &&
      r.boundNamespaces.some((ns) => r.name.startsWith(`${ns}-`)),
  );
  const selectedRoles = new Set(roles);
  const grantedByMine = new Set(roles.flatMap((r) => r.tokenPolicies));
  const grantedByOthers = new Set(
    inventory.kubernetesRoles.filter((r) => !selectedRoles.has(r)).flatMap((r) => r.tokenPolicies),
  );
  const policies = inventory.policies.filter((p) => {
    if (!prefixed(p.name) || grantedByOthers.has(p.name)) return false;
    const header = policyDocumentNamespace(p.hcl);
    return grantedByMine.has(p.name)
      ? header === undefined || mine.has(header)
      : header !== undefined && mine.has(header);
  });
  const issuePaths = new Set(
    policies.flatMap((p) =>
      [...p.hcl.matchAll(/^\s*path\s+"([^"]+\/issue\/[^"/]+)"\s*\{/gm)].map((m) => m[1]),
    ),
  );
  const pkiRoles = inventory.pkiRoles.filter(
    (r) => prefixed(r.name) && issuePaths.has(`${r.mount}/issue/${r.name}`),
  );
  const databaseRoleNames = new Map(
    namespaces.flatMap((ns) =>
      (['readonly', 'readwrite'] as const).map(
        (mode) => [databaseRoleName({ namespace: ns }, mode), ns] as const,
      ),
    ),
  );
  const databaseRoles = inventory.databaseRoles.filter((r) => databaseRoleNames.get(r.name) === r.dbName);
  const databaseConnections = inventory.databaseConnections.filter((c) => mine.has(c.name));
  return {
    kubernetesRoles: roles.map((r) => `auth/${r.mount}/role/${r.name}`).sort(),
    pkiRoles: pkiRoles.map((r) => `${r.mount}/roles/${r.name}`).sort(),
    databaseRoles: databaseRoles.map((r) => `${r.mount}/roles/${r.name}`).sort(),
    databaseConnections: databaseConnections.map((c) => `${c.mount}/config/${c.name}`).sort(),
    policies: policies.map((p) => `sys/policies/acl/${p.name}`).sort(),
  };
}

/** `LIST` that answers an empty list where Vault answers 404 for "nothing here". */
async function list(vault: VaultClient, apiPath: string): Promise<string[]> {
  try {
    return (
      ((await vault.request('LIST', apiPath))?.data as { keys?: string[] } | undefined)?.keys ?? []
    ).sort();
  } catch (error) {
    if (error instanceof VaultApiError && /: HTTP 404:/.test(error.message)) return [];
    throw error;
  }
}

const trimSlash = (mount: string) => mount.replace(/\/$/, '');

/**
 * Reads what Vault holds under names the namespaces could have written: every Kubernetes auth
 * method, PKI engine and database engine is looked at, since the environment's mounts are its
 * base's and the declarations may be gone. Only reads.
 */
export async function readVaultInventory(
  server: VaultServer,
  namespaces: readonly string[],
): Promise<VaultInventory> {
  const vault = new VaultClient(server);
  const prefixed = (name: string) => namespaces.some((ns) => name.startsWith(`${ns}-`));
  const auths = ((await vault.request('GET', 'sys/auth'))?.data ?? {}) as Record<string, { type: string }>;
  const mounts = ((await vault.request('GET', 'sys/mounts'))?.data ?? {}) as Record<string, { type: string }>;
  const ofType = (all: Record<string, { type: string }>, type: string) =>
    Object.keys(all)
      .filter((m) => all[m].type === type)
      .map(trimSlash)
      .sort();

  const kubernetesRoles: VaultInventory['kubernetesRoles'][number][] = [];
  for (const mount of ofType(auths, 'kubernetes')) {
    for (const name of (await list(vault, `auth/${mount}/role`)).filter(prefixed)) {
      const data = ((await vault.request('GET', `auth/${mount}/role/${name}`))?.data ?? {}) as {
        bound_service_account_namespaces?: string[];
        token_policies?: string[];
      };
      kubernetesRoles.push({
        mount,
        name,
        boundNamespaces: data.bound_service_account_namespaces ?? [],
        tokenPolicies: data.token_policies ?? [],
      });
    }
  }
  const policies: { name: string; hcl: string }[] = [];
  for (const name of (await list(vault, 'sys/policies/acl')).filter(prefixed)) {
    const data = (await vault.request('GET', `sys/policies/acl/${name}`))?.data as
      { policy?: string } | undefined;
    policies.push({ name, hcl: data?.policy ?? '' });
  }
  const pkiRoles: { mount: string; name: string }[] = [];
  for (const mount of ofType(mounts, 'pki')) {
    for (const name of (await list(vault, `${mount}/roles`)).filter(prefixed)) pkiRoles.push({ mount, name });
  }
  const databaseRoles: { mount: string; name: string; dbName: string }[] = [];
  const databaseConnections: { mount: string; name: string }[] = [];
  const mine = new Set(namespaces);
  for (const mount of ofType(mounts, 'database')) {
    for (const name of (await list(vault, `${mount}/roles`)).filter(prefixed)) {
      const data = (await vault.request('GET', `${mount}/roles/${name}`))?.data as
        { db_name?: string } | undefined;
      databaseRoles.push({ mount, name, dbName: data?.db_name ?? '' });
    }
    for (const name of (await list(vault, `${mount}/config`)).filter((n) => mine.has(n)))
      databaseConnections.push({ mount, name });
  }
  return { kubernetesRoles, policies, pkiRoles, databaseRoles, databaseConnections };
}

/**
 * Deletes what `selectVaultObjects` chose. Logins stop first (the Kubernetes-auth roles); the
 * database users Vault handed out are revoked without asking their database, which is gone with
 * the environment (so the token needs `sudo` on `sys/leases/revoke-force`); policies go last.
 */
export async function removeVaultObjects(server: VaultServer, removal: VaultRemoval): Promise<void> {
  const vault = new VaultClient(server);
  for (const p of removal.kubernetesRoles) await vault.request('DELETE', p);
  for (const p of removal.pkiRoles) await vault.request('DELETE', p);
  for (const p of removal.databaseRoles) {
    await vault.request('PUT', `sys/leases/revoke-force/${p.replace(/\/roles\/([^/]+)$/, '/creds/$1')}`);
    await vault.request('DELETE', p);
  }
  for (const p of removal.databaseConnections) await vault.request('DELETE', p);
  for (const p of removal.policies) await vault.request('DELETE', p);
}

/** Reads, selects and removes the namespaces' Vault objects; returns what was removed. */
export async function removeEnvironmentVault(
  server: VaultServer,
  namespaces: readonly string[],
): Promise<VaultRemoval> {
  const removal = selectVaultObjects(await readVaultInventory(server, namespaces), namespaces);
  await removeVaultObjects(server, removal);
  return removal;
}
