/**
 * Applies an environment's Vault side, as written for review under `dist/<env>/vault/`, to a Vault
 * server over its HTTP API: each workload's policy and Kubernetes-auth role, the PKI role that
 * issues its Kafka client certificate, the database engine's connection and its readonly/readwrite
 * roles, the secret engines they name, and the Kubernetes auth method itself, configured to review
 * tokens with the cluster's API server. The Kafka PKI mount and its CA are the platform's: they
 * must exist already (the Kafka cluster trusts that CA), and their absence refuses the apply.
 *
 * Exactly the reviewed files are applied, and only after every one of them passed the checks
 * (`planVault`): a policy that reaches outside its system's prefix or to another workload's
 * certificate, a role bound to another namespace, a PKI role that issues for a name other than its
 * workload's, a file that should not be there, refuse the whole apply before anything is written.
 * Every write is an upsert, so a second apply changes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  kafkaCaChainPath,
  kafkaIssuePath,
  kafkaPkiRole,
  kafkaPkiRoleBody,
  usesKafka,
} from '../constructs/kafka-client-certificate';
import { databaseCredsPath, vaultRoleName, type DatabaseAccess } from '../constructs/vault-policy';
import { secretPathProblem, type ResolvedSystem } from '../model';

export interface VaultServer {
  /** `https://vault.example:8200`. */
  readonly address: string;
  readonly token: string;
}

/** How Vault's Kubernetes auth method reaches the cluster's API server to review tokens. */
export interface KubernetesReviewer {
  readonly host: string;
  /** PEM of the API server's CA. */
  readonly caCert: string;
  /** A token of a ServiceAccount allowed to create TokenReviews (system:auth-delegator). */
  readonly tokenReviewerJwt: string;
}

export interface VaultApplyOptions {
  /** Configure the Kubernetes auth method against this API server. @default - left as it is */
  readonly kubernetes?: KubernetesReviewer;
  /**
   * The owner password of each system's database (what CloudNativePG generates into the
   * `<cluster>-app` Secret), by namespace; Vault's connection logs in with it.
   * @default - systems with a database fail the apply
   */
  readonly databasePasswords?: Readonly<Record<string, string>>;
  /**
   * `host:port` that replaces the in-cluster database Service in every connection URL, without
   * TLS: for a local cluster whose database runs beside it.
   * @default - the connection URL as written
   */
  readonly databaseAddress?: string;
}

export interface VaultPolicyFile {
  readonly name: string;
  readonly hcl: string;
  readonly paths: readonly string[];
}

export interface VaultRoleFile {
  readonly name: string;
  readonly body: Record<string, unknown>;
}

/** A PKI role of the environment's Kafka client PKI mount, issuing for one workload's KafkaUser. */
export interface VaultPkiRoleFile {
  readonly name: string;
  /** `<mount>/roles/<name>`. */
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface VaultDatabaseFile {
  readonly connection: { path: string; body: Record<string, unknown> };
  readonly roles: ReadonlyArray<{ path: string; body: Record<string, unknown> }>;
}

/** What one system asks of Vault in one environment, read from its reviewed files. */
export interface SystemVaultPlan {
  readonly system: string;
  readonly namespace: string;
  readonly authMount: string;
  readonly databaseMount: string;
  /** The PKI mount the Kafka client certificates are issued from. */
  readonly kafkaPkiMount: string;
  readonly policies: readonly VaultPolicyFile[];
  readonly roles: readonly VaultRoleFile[];
  readonly pkiRoles: readonly VaultPkiRoleFile[];
  readonly database?: VaultDatabaseFile;
}

/** The reviewed files do not hold what the declarations say they should; nothing was applied. */
export class VaultPlanError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in the Vault files; nothing was applied:\n  ${problems.join('\n  ')}`,
    );
  }
}

/** Vault refuses a precondition syskit does not set up itself; nothing was applied. */
export class VaultPrerequisiteError extends Error {}

/** `path "<p>" {` stanzas of a policy. */
function policyPaths(hcl: string): string[] {
  return [...hcl.matchAll(/^\s*path\s+"([^"]+)"\s*\{/gm)].map((m) => m[1]);
}

/**
 * Read and check the Vault files of `systems` under `envDir/vault/<system>/`. Throws a
 * VaultPlanError listing every problem at once.
 */
export function planVault(envDir: string, systems: readonly ResolvedSystem[]): SystemVaultPlan[] {
  const problems: string[] = [];
  const plans: SystemVaultPlan[] = [];
  for (const system of systems) {
    const dir = path.join(envDir, 'vault', system.name);
    const where = (file: string) => path.join(dir, file);
    if (!fs.existsSync(dir)) {
      const needs = [...system.services, ...system.jobs].some((w) => w.secrets.length > 0 || w.database);
      if (needs) problems.push(`${dir}: missing; run "syskit synth --env ${system.environment.name}" first`);
      continue;
    }
    const env = system.environment;
    const credsPaths = new Set(
      (['readonly', 'readwrite'] as DatabaseAccess[]).map((mode) => databaseCredsPath(system, mode)),
    );
    const workloads = [...system.services, ...system.jobs];
    // A workload's policy may reach its own certificate and the CA chain, never another workload's certificate.
    const kafkaPathsByPolicy = new Map(
      workloads
        .filter(usesKafka)
        .map((w) => [
          vaultRoleName(system, w),
          new Set([kafkaIssuePath(system, w), kafkaCaChainPath(system)]),
        ]),
    );
    const kafkaWorkloadByPkiRole = new Map(
      workloads.filter(usesKafka).map((w) => [kafkaPkiRole(system, w), w]),
    );
    const policies: VaultPolicyFile[] = [];
    const roles: VaultRoleFile[] = [];
    const pkiRoles: VaultPkiRoleFile[] = [];
    let database: VaultDatabaseFile | undefined;
    for (const file of fs.readdirSync(dir).sort()) {
      const text = fs.readFileSync(where(file), 'utf8');
      if (file.endsWith('.hcl')) {
        const name = file.slice(0, -'.hcl'.length);
        const paths = policyPaths(text);
        if (paths.length === 0)
          problems.push(`${where(file)}: no path stanza; expected path "<vault path>" { ... }`);
        const kafkaPaths = kafkaPathsByPolicy.get(name) ?? new Set<string>();
        for (const p of paths) {
          if (secretPathProblem(system.name, p) !== undefined && !credsPaths.has(p) && !kafkaPaths.has(p)) {
            const allowed = [...credsPaths, ...kafkaPaths].map((c) => `"${c}"`).join(', ');
            problems.push(
              `${where(file)}: path "${p}" is outside system "${system.name}"'s prefix; expected "<mount>/data/${system.name}/..." or one of ${allowed}`,
            );
          }
        }
        if (!name.startsWith(`${system.namespace}-`)) {
          problems.push(`${where(file)}: policy name must start with "${system.namespace}-", got "${name}"`);
        }
        policies.push({ name, hcl: text, paths });
      } else if (file.endsWith('.kafka-pki-role.json')) {
        const name = file.slice(0, -'.kafka-pki-role.json'.length);
        let parsed: { path?: unknown; body?: unknown };
        try {
          parsed = JSON.parse(text) as { path?: unknown; body?: unknown };
        } catch (e) {
          problems.push(`${where(file)}: not JSON (${(e as Error).message})`);
          continue;
        }
        const workload = kafkaWorkloadByPkiRole.get(name);
        if (!workload) {
          const known = [...kafkaWorkloadByPkiRole.keys()];
          problems.push(
            `${where(file)}: "${name}" is no Kafka-using workload's PKI role in system "${system.name}"; expected one of ${known.length > 0 ? known.map((k) => `"${k}"`).join(', ') : '(none)'}`,
          );
          continue;
        }
        const expectedPath = `${env.kafka.clientPki}/roles/${name}`;
        if (parsed.path !== expectedPath) {
          problems.push(`${where(file)}: path must be "${expectedPath}", got ${JSON.stringify(parsed.path)}`);
        }
        // The role decides which names a certificate may carry: any other body could issue another workload's identity.
        const expectedBody = kafkaPkiRoleBody(system, workload);
        if (!isDeepStrictEqual(parsed.body, expectedBody)) {
          problems.push(
            `${where(file)}: body must be the role syskit derives for ${system.name}/${workload.name}, ${JSON.stringify(expectedBody)}; got ${JSON.stringify(parsed.body)}`,
          );
        }
        pkiRoles.push({ name, path: expectedPath, body: expectedBody });
      } else if (file.endsWith('.role.json')) {
        const name = file.slice(0, -'.role.json'.length);
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(text) as Record<string, unknown>;
        } catch (e) {
          problems.push(`${where(file)}: not JSON (${(e as Error).message})`);
          continue;
        }
        const namespaces = body.bound_service_account_namespaces;
        if (JSON.stringify(namespaces) !== JSON.stringify([system.namespace])) {
          problems.push(
            `${where(file)}: bound_service_account_namespaces must be ["${system.namespace}"], got ${JSON.stringify(namespaces)}`,
          );
        }
        roles.push({ name, body });
      } else if (file === `${system.namespace}.database.json`) {
        try {
          database = JSON.parse(text) as VaultDatabaseFile;
        } catch (e) {
          problems.push(`${where(file)}: not JSON (${(e as Error).message})`);
        }
      } else {
        problems.push(
          `${where(file)}: unexpected file; syskit writes <name>.hcl, <name>.role.json, <name>.kafka-pki-role.json and ${system.namespace}.database.json`,
        );
      }
    }
    const policyNames = new Set(policies.map((p) => p.name));
    for (const role of roles) {
      for (const policy of (role.body.token_policies as string[] | undefined) ?? []) {
        if (!policyNames.has(policy))
          problems.push(`${where(`${role.name}.role.json`)}: token policy "${policy}" has no ${policy}.hcl`);
      }
    }
    if (database) {
      const mount = env.vault.databaseMount;
      for (const entry of [database.connection, ...database.roles]) {
        if (
          !entry?.path?.startsWith(`${mount}/`) ||
          !entry.path.split('/').pop()?.startsWith(system.namespace)
        ) {
          problems.push(
            `${where(`${system.namespace}.database.json`)}: "${entry?.path}" is not under ${mount}/ for namespace ${system.namespace}`,
          );
        }
      }
    }
    plans.push({
      system: system.name,
      namespace: system.namespace,
      authMount: env.vault.authMount,
      databaseMount: env.vault.databaseMount,
      kafkaPkiMount: env.kafka.clientPki,
      policies,
      roles,
      pkiRoles,
      database,
    });
  }
  if (problems.length > 0) throw new VaultPlanError(problems);
  return plans;
}

/** What an apply wrote, for the command's summary. */
export interface VaultApplyResult {
  readonly policies: number;
  readonly roles: number;
  readonly pkiRoles: number;
  readonly databaseConnections: number;
  readonly databaseRoles: number;
}

/** A Vault API call failed; says which request and what Vault answered. */
export class VaultApiError extends Error {}

/** Vault's HTTP API with one token; every failure is a VaultApiError naming the request. */
export class VaultClient {
  constructor(private readonly server: VaultServer) {}

  async request(
    method: string,
    apiPath: string,
    body?: unknown,
  ): Promise<Record<string, unknown> | undefined> {
    const url = `${this.server.address.replace(/\/$/, '')}/v1/${apiPath}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'X-Vault-Token': this.server.token, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      throw new VaultApiError(`${method} ${url}: ${(e as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let errors = text.trim();
      try {
        errors = ((JSON.parse(text) as { errors?: string[] }).errors ?? []).join('; ') || errors;
      } catch {
        /* not JSON */
      }
      throw new VaultApiError(`${method} ${url}: HTTP ${res.status}: ${errors}`);
    }
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  }
}

/** The secret engines the policies read: `<mount>/data/...` is a KV version 2 mount. */
function kvMounts(plans: readonly SystemVaultPlan[]): string[] {
  const mounts = new Set<string>();
  for (const plan of plans) {
    for (const policy of plan.policies) {
      for (const p of policy.paths) {
        const [mount, second] = p.split('/');
        if (second === 'data' && mount !== plan.databaseMount) mounts.add(mount);
      }
    }
  }
  return [...mounts].sort();
}

function withDatabaseAddress(url: string, address: string): string {
  const parsed = /^(postgres(?:ql)?:\/\/[^@]*@)([^/?]+)(\/[^?]*)?(\?.*)?$/.exec(url);
  if (!parsed) throw new VaultApiError(`cannot read the database connection URL "${url}"`);
  const query = new URLSearchParams((parsed[4] ?? '').slice(1));
  query.set('sslmode', 'disable');
  return `${parsed[1]}${address}${parsed[3] ?? ''}?${query.toString()}`;
}

/**
 * Check what the plans need of Vault that syskit does not set up itself: the Kafka client PKI
 * mount with its CA (the Kafka cluster must trust that CA, so it is the platform's to create).
 * Throws a VaultPrerequisiteError naming every missing mount; returns Vault's mounts otherwise.
 */
export async function checkVaultPrerequisites(
  plans: readonly SystemVaultPlan[],
  server: VaultServer,
): Promise<Record<string, { type: string }>> {
  const vault = new VaultClient(server);
  const mounts = ((await vault.request('GET', 'sys/mounts'))?.data ?? {}) as Record<string, { type: string }>;
  const pkiProblems = [...new Set(plans.filter((p) => p.pkiRoles.length > 0).map((p) => p.kafkaPkiMount))]
    .filter((mount) => mounts[`${mount}/`]?.type !== 'pki')
    .map((mount) =>
      mounts[`${mount}/`]
        ? `mount "${mount}" is a ${mounts[`${mount}/`].type} engine, expected the Kafka client PKI engine`
        : `PKI mount "${mount}" does not exist; enable it with the CA the Kafka cluster trusts for clients (syskit does not create it)`,
    );
  if (pkiProblems.length > 0)
    throw new VaultPrerequisiteError(`${server.address}: ${pkiProblems.join('; ')}; nothing was applied`);
  return mounts;
}

/** Apply checked plans. Every write is an upsert; engines and auth methods are enabled when missing. */
export async function applyVault(
  plans: readonly SystemVaultPlan[],
  server: VaultServer,
  opts: VaultApplyOptions = {},
): Promise<VaultApplyResult> {
  // Inputs that can be missing are checked before the first write.
  const missing = plans
    .filter((p) => p.database && opts.databasePasswords?.[p.namespace] === undefined)
    .map((p) => `no database owner password for namespace ${p.namespace}`);
  if (missing.length > 0) throw new VaultPlanError(missing);

  const vault = new VaultClient(server);
  const mounts = await checkVaultPrerequisites(plans, server);
  const auths = ((await vault.request('GET', 'sys/auth'))?.data ?? {}) as Record<string, { type: string }>;
  for (const mount of [...new Set(plans.map((p) => p.authMount))]) {
    if (!auths[`${mount}/`]) await vault.request('POST', `sys/auth/${mount}`, { type: 'kubernetes' });
    if (opts.kubernetes) {
      await vault.request('POST', `auth/${mount}/config`, {
        kubernetes_host: opts.kubernetes.host,
        kubernetes_ca_cert: opts.kubernetes.caCert,
        token_reviewer_jwt: opts.kubernetes.tokenReviewerJwt,
        disable_local_ca_jwt: true,
      });
    }
  }
  for (const mount of kvMounts(plans)) {
    if (!mounts[`${mount}/`])
      await vault.request('POST', `sys/mounts/${mount}`, { type: 'kv', options: { version: '2' } });
  }
  const result = { policies: 0, roles: 0, pkiRoles: 0, databaseConnections: 0, databaseRoles: 0 };
  for (const plan of plans) {
    for (const policy of plan.policies) {
      await vault.request('PUT', `sys/policies/acl/${policy.name}`, { policy: policy.hcl });
      result.policies++;
    }
    for (const role of plan.roles) {
      await vault.request('POST', `auth/${plan.authMount}/role/${role.name}`, role.body);
      result.roles++;
    }
    for (const role of plan.pkiRoles) {
      await vault.request('POST', role.path, role.body);
      result.pkiRoles++;
    }
    if (plan.database) {
      if (!mounts[`${plan.databaseMount}/`]) {
        await vault.request('POST', `sys/mounts/${plan.databaseMount}`, { type: 'database' });
        mounts[`${plan.databaseMount}/`] = { type: 'database' };
      }
      const body = { ...plan.database.connection.body } as Record<string, unknown>;
      if (opts.databaseAddress)
        body.connection_url = withDatabaseAddress(String(body.connection_url), opts.databaseAddress);
      body.password = opts.databasePasswords![plan.namespace];
      await vault.request('POST', plan.database.connection.path, body);
      result.databaseConnections++;
      for (const role of plan.database.roles) {
        await vault.request('POST', role.path, role.body);
        result.databaseRoles++;
      }
    }
  }
  return result;
}
