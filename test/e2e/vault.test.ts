import * as fs from 'node:fs';
import * as path from 'node:path';
import { createDatabase, psql, type Cluster } from '../../cluster';
import { databaseBootstrapSql, databaseName } from '../../constructs/database-access';
import { kafkaUserName } from '../../constructs/event-topics';
import { kafkaCaChainPath, kafkaIssuePath, usesKafka } from '../../constructs/kafka-client-certificate';
import {
  databaseCredsPath,
  databaseRoleName,
  needsVault,
  vaultRoleName,
  VAULT_AUDIENCE,
} from '../../constructs/vault-policy';
import { environments } from '../../environments';
import { deriveEphemeral } from '../../environments/ephemeral';
import { parseFleet, resolve, type ResolvedSystem, type ResolvedWorkload } from '../../model';
import { planVault } from '../../stacks/vault-apply';
import { renderVaultTree } from '../../stacks/vault-step';
import { barmanCloudCrdsDir } from '../../tools/upstream-crds';
import { loadDeclarations } from '../../synth/load';
import { vaultPathsOf } from '../fixtures/vault-paths';
import { applyManifest, installCrds, kubectl, SETUP_TIMEOUT_MS, TEARDOWN_TIMEOUT_MS } from './helpers';
import { startTestCluster, syskitProcess, tempDir } from './platform';

/**
 * Each environment's Vault side applied by `syskit vault apply` to a real Vault (dev server),
 * whose Kubernetes auth reviews tokens with the local API server and whose database engine
 * issues users in a real PostgreSQL. Then, for every workload: a token requested for its
 * ServiceAccount with the audience syskit configures logs in with its role, reads what it
 * declared, and is refused everything else. The Kafka client PKI mount is the platform's: the
 * test enables it with a generated root CA, as the platform would with the CA Kafka trusts.
 * Then `syskit up` against this cluster, as syskit's local cluster, runs the same step. Last, an
 * ephemeral environment on the same cluster and Vault: `syskit env up` applies its Vault side and
 * `syskit env down` removes exactly that, leaving the long-lived environments' objects as they were.
 */
describe('Vault for real: policies, Kubernetes auth and database roles', () => {
  let cluster: Cluster;
  let dist: string;
  // syskit's state folder: the cluster lives in <state>/cluster, where "syskit up" finds it.
  const state = tempDir('syskit-vault-state-');
  // PostgreSQL runs as its own user, which must be able to reach the cluster folder inside.
  fs.chmodSync(state, 0o711);
  const kc = () => cluster.kubeconfig;
  const fleet = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));
  const vault = () => cluster.platform.vault!;
  const db = () => cluster.platform.postgres!;

  beforeAll(async () => {
    cluster = await startTestCluster({ vault: true, postgres: true }, path.join(state, 'cluster'));
    dist = path.join(tempDir('syskit-vault-e2e-'), 'dist');
    const synth = await syskitProcess(['synth', '--out', dist]);
    if (synth.code !== 0) throw new Error(`synth failed:\n${synth.stderr}`);
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.stop();
    if (dist) fs.rmSync(path.dirname(dist), { recursive: true, force: true });
    fs.rmSync(state, { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  async function api(method: string, apiPath: string, token: string, body?: unknown) {
    const res = await fetch(`${vault().address}/v1/${apiPath}`, {
      method,
      headers: { 'X-Vault-Token': token, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  const workloadsOf = (s: ResolvedSystem) => [...s.services, ...s.jobs];
  const secretValue = (p: string) => `value-of-${p}`;

  /** The cluster side syskit's manifests would create, and each database as CloudNativePG bootstraps it. */
  async function prepare(systems: ResolvedSystem[]): Promise<void> {
    for (const s of systems) {
      const objects: object[] = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: s.namespace } }];
      for (const w of workloadsOf(s)) {
        objects.push({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: w.serviceAccount, namespace: s.namespace },
        });
      }
      if (s.database) {
        const password = `pw-${s.namespace}-${Date.now()}`;
        await createDatabase(db(), {
          name: databaseName(s),
          owner: databaseName(s),
          ownerPassword: password,
          bootstrapSql: databaseBootstrapSql(s),
        });
        objects.push({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: `${s.database.clusterName}-app`, namespace: s.namespace },
          stringData: { username: databaseName(s), password },
        });
      }
      await applyManifest(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }), kc(), {
        timeoutMs: 60_000,
      });
    }
  }

  const applyVault = (env: string) =>
    syskitProcess(
      [
        'vault',
        'apply',
        '--env',
        env,
        '--out',
        dist,
        '--kubeconfig',
        kc(),
        '--database-address',
        `${db().host}:${db().port}`,
      ],
      { VAULT_ADDR: vault().address, VAULT_TOKEN: vault().token },
    );

  async function tokenFor(s: ResolvedSystem, w: ResolvedWorkload, audience = VAULT_AUDIENCE) {
    return (
      await kubectl(
        ['create', 'token', w.serviceAccount, '-n', s.namespace, `--audience=${audience}`, '--duration=10m'],
        kc(),
      )
    ).stdout.trim();
  }

  async function login(s: ResolvedSystem, w: ResolvedWorkload, audience = VAULT_AUDIENCE, jwt?: string) {
    return api('POST', `auth/${s.environment.vault.authMount}/login`, '', {
      role: vaultRoleName(s, w),
      jwt: jwt ?? (await tokenFor(s, w, audience)),
    });
  }

  const pkiMounts = [...new Set(fleet.environments.map((e) => e.kafka.clientPki))];

  describe("before the platform's Kafka PKI mount exists", () => {
    it('refuses to apply, naming the mount, and writes nothing', async () => {
      const envName = environments[0].name;
      const mount = fleet.environments.find((e) => e.name === envName)!.kafka.clientPki;
      const result = await applyVault(envName);
      expect(result.code).toBe(3);
      expect(result.stderr).toContain(
        `syskit: Vault is not ready: ${vault().address}: PKI mount "${mount}" does not exist`,
      );
      const policies = (await api('LIST', 'sys/policies/acl', vault().token)).body.data.keys as string[];
      expect(policies.sort()).toEqual(['default', 'root']);
      const auths = Object.keys((await api('GET', 'sys/auth', vault().token)).body.data);
      expect(auths).toEqual(['token/']);
    }, 120_000);
  });

  describe.each(environments.map((e) => e.name))('%s', (envName) => {
    const env = fleet.environments.find((e) => e.name === envName)!;
    const systems = fleet.systems.map((s) => resolve(s, env, fleet));
    const kvPaths = [
      ...new Set(systems.flatMap((s) => workloadsOf(s).flatMap((w) => w.secrets.map((x) => x.path)))),
    ];

    beforeAll(async () => {
      for (const mount of pkiMounts) {
        const mounts = (await api('GET', 'sys/mounts', vault().token)).body.data;
        if (mounts[`${mount}/`]) continue;
        const enabled = await api('POST', `sys/mounts/${mount}`, vault().token, {
          type: 'pki',
          config: { max_lease_ttl: '87600h' },
        });
        if (enabled.status >= 300) throw new Error(`enabling ${mount}: HTTP ${enabled.status}`);
        const ca = await api('POST', `${mount}/root/generate/internal`, vault().token, {
          common_name: 'syskit test Kafka clients CA',
          ttl: '87600h',
        });
        if (ca.status >= 300)
          throw new Error(`root CA of ${mount}: HTTP ${ca.status} ${JSON.stringify(ca.body)}`);
      }
      await prepare(systems);
      const first = await applyVault(envName);
      if (first.code !== 0) throw new Error(`syskit vault apply failed (${first.code}):\n${first.stderr}`);
      for (const p of kvPaths) {
        const r = await api('POST', p, vault().token, { data: { value: secretValue(p) } });
        if (r.status >= 300) throw new Error(`seeding ${p}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
      }
    }, 300_000);

    it('applies again without a change to what Vault holds', async () => {
      const snapshot = async () => {
        const policies = (await api('LIST', 'sys/policies/acl', vault().token)).body.data.keys as string[];
        const out: Record<string, unknown> = {};
        for (const p of policies.filter((p) => p !== 'root' && p !== 'default')) {
          out[p] = (await api('GET', `sys/policies/acl/${p}`, vault().token)).body.data.policy;
        }
        return out;
      };
      const before = await snapshot();
      const again = await applyVault(envName);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/policies, \d+ Kubernetes-auth roles/);
      expect(await snapshot()).toEqual(before);
    }, 120_000);

    it('lets every workload log in with its own token and read exactly what it declared', async () => {
      const wrong: string[] = [];
      for (const s of systems) {
        for (const w of workloadsOf(s).filter(needsVault)) {
          const session = await login(s, w);
          if (session.status !== 200) {
            wrong.push(
              `${s.namespace}/${w.name}: login HTTP ${session.status} ${JSON.stringify(session.body?.errors)}`,
            );
            continue;
          }
          const token = session.body.auth.client_token as string;
          const declared = new Set(w.secrets.map((x) => x.path));
          for (const p of kvPaths) {
            const r = await api('GET', p, token);
            const expected = declared.has(p) ? 200 : 403;
            if (r.status !== expected)
              wrong.push(`${s.namespace}/${w.name} read ${p}: HTTP ${r.status}, expected ${expected}`);
            else if (expected === 200 && r.body.data.data.value !== secretValue(p))
              wrong.push(`${s.namespace}/${w.name} read ${p}: wrong value`);
          }
          for (const other of systems.filter((o) => o.database)) {
            for (const mode of ['readonly', 'readwrite'] as const) {
              const p = databaseCredsPath(other, mode);
              if (p === (w.database && s === other ? databaseCredsPath(s, w.database) : undefined)) continue;
              const r = await api('GET', p, token);
              if (r.status !== 403)
                wrong.push(`${s.namespace}/${w.name} read ${p}: HTTP ${r.status}, expected 403`);
            }
          }
          // A Kafka client certificate for its own KafkaUser name only, from its own issue path only.
          for (const o of systems) {
            for (const k of workloadsOf(o).filter(usesKafka)) {
              const own = o === s && k === w;
              const r = await api('POST', kafkaIssuePath(o, k), token, {
                common_name: kafkaUserName(o, k),
                ttl: '1h',
              });
              const expected = own ? 200 : 403;
              if (r.status !== expected)
                wrong.push(
                  `${s.namespace}/${w.name} issue ${kafkaIssuePath(o, k)}: HTTP ${r.status}, expected ${expected}`,
                );
              else if (own && !String(r.body.data.certificate).startsWith('-----BEGIN CERTIFICATE-----'))
                wrong.push(`${s.namespace}/${w.name} issue: no certificate`);
            }
          }
          if (usesKafka(w)) {
            const other = await api('POST', kafkaIssuePath(s, w), token, {
              common_name: 'someone-else',
              ttl: '1h',
            });
            if (other.status !== 400)
              wrong.push(
                `${s.namespace}/${w.name} issued for another name: HTTP ${other.status}, expected 400`,
              );
            const chain = await api('GET', kafkaCaChainPath(s), token);
            if (chain.status !== 200)
              wrong.push(`${s.namespace}/${w.name} read the CA chain: HTTP ${chain.status}`);
          }
          // Policies and auth are the platform's: a workload's token changes neither.
          const r = await api('PUT', `sys/policies/acl/${vaultRoleName(s, w)}`, token, {
            policy: 'path "*" { capabilities = ["read"] }',
          });
          if (r.status !== 403)
            wrong.push(`${s.namespace}/${w.name} rewrote its own policy: HTTP ${r.status}`);
        }
      }
      expect(wrong).toEqual([]);
    }, 600_000);

    it("refuses a token for another audience and a token of another workload's ServiceAccount", async () => {
      const s = systems.find((x) => workloadsOf(x).filter(needsVault).length >= 2)!;
      const [a, b] = workloadsOf(s).filter(needsVault);
      expect((await login(s, a, 'https://kubernetes.default.svc.cluster.local')).status).toBe(403);
      const jwt = (
        await kubectl(
          ['create', 'token', b.serviceAccount, '-n', s.namespace, `--audience=${VAULT_AUDIENCE}`],
          kc(),
        )
      ).stdout.trim();
      const r = await api('POST', `auth/${s.environment.vault.authMount}/login`, '', {
        role: vaultRoleName(s, a),
        jwt,
      });
      expect(r.status).toBe(403);
    }, 120_000);

    it('issues database users that can do what their role allows and no more', async () => {
      const results: string[] = [];
      for (const s of systems.filter((x) => x.database)) {
        const creds: Record<string, { name: string; password: string }> = {};
        for (const mode of ['readonly', 'readwrite'] as const) {
          const w = workloadsOf(s).find((x) => x.database === mode);
          if (!w) continue;
          const session = await login(s, w);
          expect(session.status).toBe(200);
          const r = await api('GET', databaseCredsPath(s, mode), session.body.auth.client_token);
          expect(r.status).toBe(200);
          creds[mode] = { name: r.body.data.username, password: r.body.data.password };
        }
        const dbName = databaseName(s);
        const table = `probe_${envName}`;
        if (creds.readwrite) {
          await psql(
            db(),
            dbName,
            `CREATE TABLE IF NOT EXISTS ${table} (id int); INSERT INTO ${table} VALUES (1);`,
            creds.readwrite,
          );
          results.push(`${s.namespace} readwrite: wrote`);
        }
        if (creds.readonly) {
          if (creds.readwrite) {
            const rows = await psql(db(), dbName, `SELECT count(*) FROM ${table}`, creds.readonly);
            results.push(`${s.namespace} readonly: read ${Number(rows.trim()) > 0 ? 'rows' : 'nothing'}`);
            const insert = await psql(db(), dbName, `INSERT INTO ${table} VALUES (2)`, creds.readonly).catch(
              (e: Error) => e.message,
            );
            results.push(
              `${s.namespace} readonly insert: ${/permission denied/.test(insert) ? 'denied' : insert}`,
            );
          }
          const create = await psql(
            db(),
            dbName,
            'CREATE TABLE readonly_was_here (id int)',
            creds.readonly,
          ).catch((e: Error) => e.message);
          results.push(
            `${s.namespace} readonly create: ${/permission denied/.test(create) ? 'denied' : create}`,
          );
        }
      }
      expect(results.length).toBeGreaterThan(0);
      for (const line of results) expect(line).toMatch(/: (wrote|read rows|denied)$/);
    }, 300_000);
  });
  describe('syskit up', () => {
    const envName = environments[environments.length - 1].name;
    const env = fleet.environments.find((e) => e.name === envName)!;
    const system = fleet.systems
      .map((s) => resolve(s, env, fleet))
      .find((s) => s.database && workloadsOf(s).some((w) => w.secrets.length > 0))!;

    it(
      "runs the Vault step against the local cluster's Vault after applying, restoring what was removed",
      async () => {
        // The environment was applied by "syskit vault apply" above; take one workload's policy and role away.
        const w = workloadsOf(system).find((x) => x.secrets.length > 0)!;
        const name = vaultRoleName(system, w);
        const mount = system.environment.vault.authMount;
        expect((await api('DELETE', `sys/policies/acl/${name}`, vault().token)).status).toBe(204);
        expect((await api('DELETE', `auth/${mount}/role/${name}`, vault().token)).status).toBe(204);
        expect((await login(system, w)).status).toBe(400);
        await installCrds(kc());
        // Backups go through the Barman Cloud plugin, whose ObjectStore CRD ships with the plugin.
        await installCrds(kc(), barmanCloudCrdsDir());
        const r = await syskitProcess(
          ['up', '--env', envName, '--kubeconfig', kc(), '--skip-await', '--no-constraints', '-q'],
          // No VAULT_ADDR: the step finds the local cluster's Vault through the state folder.
          { SYSKIT_STATE_DIR: state, PULUMI_CONFIG_PASSPHRASE: 'e2e-only', VAULT_ADDR: '', VAULT_TOKEN: '' },
          15 * 60_000,
        );
        if (r.code !== 0) throw new Error(`syskit up exited ${r.code}:\n${r.stderr.slice(-4000)}`);
        expect(r.stdout).toContain(
          `${envName}: applied to ${vault().address} (from the local cluster in ${path.join(state, 'cluster')}): `,
        );
        expect(r.stdout).toContain(`; Kubernetes auth reviews tokens with ${cluster.server}`);
        expect((await api('GET', `sys/policies/acl/${name}`, vault().token)).status).toBe(200);
        // Minted now: once env down runs, the namespace is terminating and mints no more tokens.
        const jwt = await tokenFor(system, w);
        const session = await login(system, w, VAULT_AUDIENCE, jwt);
        expect(session.status).toBe(200);
        const secret = w.secrets[0].path;
        const read = await api('GET', secret, session.body.auth.client_token);
        expect(read.status).toBe(200);
        expect(read.body.data.data.value).toBe(secretValue(secret));
      },
      16 * 60_000,
    );
  });

  describe('an ephemeral environment', () => {
    // The base whose platform (Kafka namespace included) "syskit up" applied above.
    const base = environments[environments.length - 1];
    const name = 'pr-7';
    const baseEnv = fleet.environments.find((e) => e.name === base.name)!;
    const baseSystems = fleet.systems.map((s) => resolve(s, baseEnv, fleet));
    const ephemeralFleet = parseFleet(loadDeclarations('charts'), [deriveEphemeral(base, { name })]);
    const ephemeralSystems = ephemeralFleet.systems.map((s) =>
      resolve(s, ephemeralFleet.environments[0], ephemeralFleet),
    );
    const localRun = (args: string[]) =>
      syskitProcess(
        args,
        // No VAULT_ADDR: both commands find the local cluster's Vault through the state folder.
        { SYSKIT_STATE_DIR: state, PULUMI_CONFIG_PASSPHRASE: 'e2e-only', VAULT_ADDR: '', VAULT_TOKEN: '' },
        15 * 60_000,
      );

    /** Every Vault path the environment's Vault step writes, from the files syskit renders for it. */
    function ephemeralPaths(): string[] {
      const envDir = renderVaultTree(ephemeralSystems);
      try {
        return vaultPathsOf(planVault(envDir, ephemeralSystems));
      } finally {
        fs.rmSync(path.dirname(envDir), { recursive: true, force: true });
      }
    }

    const list = async (apiPath: string) => {
      const r = await api('LIST', apiPath, vault().token);
      return r.status === 404 ? [] : ((r.body.data.keys as string[]) ?? []).sort();
    };

    /** What Vault holds of policies, auth roles, PKI roles and database objects, with their bodies. */
    async function vaultContents(): Promise<Record<string, unknown>> {
      const out: Record<string, unknown> = {};
      const authMount = baseEnv.vault.authMount;
      const dbMount = baseEnv.vault.databaseMount;
      const pki = baseEnv.kafka.clientPki;
      for (const p of await list('sys/policies/acl'))
        out[`sys/policies/acl/${p}`] = (await api('GET', `sys/policies/acl/${p}`, vault().token)).body.data;
      for (const prefix of [
        `auth/${authMount}/role`,
        `${pki}/roles`,
        `${dbMount}/roles`,
        `${dbMount}/config`,
      ]) {
        for (const n of await list(prefix))
          out[`${prefix}/${n}`] = (await api('GET', `${prefix}/${n}`, vault().token)).body.data;
      }
      return out;
    }

    /** CloudNativePG writes <cluster>-app into a new namespace; here the base's owner password is copied in as soon as the namespace exists. */
    async function provideOwnerPasswords(done: () => boolean): Promise<void> {
      const pending = ephemeralSystems.filter((s) => s.database);
      while (pending.length > 0 && !done()) {
        for (const s of [...pending]) {
          const exists = await kubectl(['get', 'namespace', s.namespace], kc(), { allowFailure: true });
          if (exists.code !== 0) continue;
          const own = baseSystems.find((b) => b.name === s.name)!;
          const password = Buffer.from(
            (
              await kubectl(
                [
                  'get',
                  'secret',
                  `${own.database!.clusterName}-app`,
                  '-n',
                  own.namespace,
                  '-o',
                  'jsonpath={.data.password}',
                ],
                kc(),
              )
            ).stdout,
            'base64',
          ).toString('utf8');
          await applyManifest(
            JSON.stringify({
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: `${s.database!.clusterName}-app`, namespace: s.namespace },
              stringData: { username: databaseName(s), password },
            }),
            kc(),
          );
          pending.splice(pending.indexOf(s), 1);
        }
        await new Promise((r) => setTimeout(r, 2000));
      }
    }

    it(
      'env up applies its Vault side; env down removes exactly that and leaves the long-lived objects as they were',
      async () => {
        await installCrds(kc());
        await installCrds(kc(), barmanCloudCrdsDir());
        let finished = false;
        const [up] = await Promise.all([
          localRun([
            'env',
            'up',
            name,
            '--from',
            base.name,
            '--kubeconfig',
            kc(),
            '--skip-await',
            '--no-constraints',
            '-q',
          ]).finally(() => (finished = true)),
          provideOwnerPasswords(() => finished),
        ]);
        if (up.code !== 0)
          throw new Error(`syskit env up exited ${up.code}:\n${up.stdout}\n${up.stderr.slice(-4000)}`);
        expect(up.stdout).toContain(
          `${name}: applied to ${vault().address} (from the local cluster in ${path.join(state, 'cluster')}): `,
        );

        const expected = ephemeralPaths();
        const before = await vaultContents();
        for (const p of expected) expect(Object.keys(before)).toContain(p);

        // A workload of the environment logs in, reads its secret and gets database credentials.
        const system = ephemeralSystems.find(
          (s) => s.database && workloadsOf(s).some((w) => w.secrets.length > 0 && w.database),
        )!;
        const w = workloadsOf(system).find((x) => x.secrets.length > 0 && x.database)!;
        // Minted now: once env down runs, the namespace is terminating and mints no more tokens.
        const jwt = await tokenFor(system, w);
        const session = await login(system, w, VAULT_AUDIENCE, jwt);
        expect(session.status).toBe(200);
        const secret = w.secrets[0].path;
        expect((await api('GET', secret, session.body.auth.client_token)).body.data.data.value).toBe(
          secretValue(secret),
        );
        expect(
          (await api('GET', databaseCredsPath(system, w.database!), session.body.auth.client_token)).status,
        ).toBe(200);
        const leases = `sys/leases/lookup/${baseEnv.vault.databaseMount}/creds/${databaseRoleName(system, w.database!)}`;
        expect(await list(leases)).toHaveLength(1);

        // The base's workload of the same name, for after.
        const baseSystem = baseSystems.find((b) => b.name === system.name)!;
        const baseWorkload = workloadsOf(baseSystem).find((x) => x.name === w.name)!;

        const down = await localRun(['env', 'down', name, '--kubeconfig', kc(), '-q']);
        if (down.code !== 0)
          throw new Error(
            `syskit env down exited ${down.code}:\n${down.stdout}\n${down.stderr.slice(-4000)}`,
          );
        const lines = down.stdout.trim().split('\n');
        const summary = lines.findIndex((l) =>
          l.startsWith(`${name}: removed from Vault at ${vault().address}`),
        );
        expect(summary).toBeGreaterThan(-1);
        // One line per removed object: exactly what the environment's Vault step wrote.
        expect(
          lines
            .slice(summary + 1)
            .map((l) => l.trim())
            .sort(),
        ).toEqual(expected);

        const after = await vaultContents();
        const removed = new Set(expected);
        const kept = Object.fromEntries(Object.entries(before).filter(([p]) => !removed.has(p)));
        expect(after).toEqual(kept);
        expect(await list(leases)).toEqual([]);

        // The removed role no longer logs in; the long-lived one beside it still does.
        // The same ServiceAccount token that logged in before: the role it names is gone.
        const refused = await login(system, w, VAULT_AUDIENCE, jwt);
        expect(refused.status).toBe(400);
        expect(JSON.stringify(refused.body.errors)).toContain('invalid role name');
        const baseSession = await login(baseSystem, baseWorkload);
        expect(baseSession.status).toBe(200);
        expect((await api('GET', secret, baseSession.body.auth.client_token)).status).toBe(200);
      },
      35 * 60_000,
    );
  });
});
