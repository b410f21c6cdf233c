import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { environments } from '../../environments';
import { parseFleet, resolve } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { kafkaPkiRoleBody } from '../../constructs/kafka-client-certificate';
import { planVault, VaultPlanError } from '../../stacks/vault-apply';
import { runCli as run } from '../cli/run-in-process';

describe('the Vault files an apply reads', () => {
  let dist: string;
  const fleet = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));
  const prod = environments.find((e) => e.name === 'prod')!;
  const systems = () =>
    fleet.systems.map((s) =>
      resolve(
        s,
        fleet.environments.find((e) => e.name === prod.name)!,
        fleet,
      ),
    );

  beforeEach(async () => {
    dist = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-vault-plan-')), 'dist');
    expect((await run('synth', '--env', 'prod', '--out', dist)).code).toBe(0);
  }, 120_000);
  afterEach(() => fs.rmSync(path.dirname(dist), { recursive: true, force: true }));

  it('plans every workload that needs Vault, as synth wrote it', () => {
    const plans = planVault(path.join(dist, 'prod'), systems());
    const commerce = plans.find((p) => p.system === 'commerce')!;
    expect(commerce.policies.map((p) => p.name)).toEqual([
      'commerce-catalog',
      'commerce-orders',
      'commerce-payments',
      'commerce-settle-payments',
    ]);
    expect(commerce.policies.find((p) => p.name === 'commerce-orders')!.paths).toEqual([
      'database/creds/commerce-readwrite',
      'pki-kafka/cert/ca_chain',
      'pki-kafka/issue/commerce-orders',
    ]);
    expect(commerce.policies.find((p) => p.name === 'commerce-catalog')!.paths).toEqual([
      'database/creds/commerce-readonly',
    ]);
    expect(commerce.roles.map((r) => r.name)).toEqual(commerce.policies.map((p) => p.name));
    // One PKI role per Kafka-using workload, on the environment's PKI mount, issuing for its KafkaUser only.
    expect(commerce.kafkaPkiMount).toBe('pki-kafka');
    expect(commerce.pkiRoles.map((r) => r.path)).toEqual([
      'pki-kafka/roles/commerce-orders',
      'pki-kafka/roles/commerce-payments',
    ]);
    const orders = systems()
      .find((s) => s.name === 'commerce')!
      .services.find((w) => w.name === 'orders')!;
    const ordersRole = commerce.pkiRoles.find((r) => r.name === 'commerce-orders')!;
    expect(ordersRole.body).toEqual(
      kafkaPkiRoleBody(
        systems().find((s) => s.name === 'commerce')!,
        orders,
      ),
    );
    expect(ordersRole.body.allowed_domains).toEqual(['commerce-orders']);
    expect(ordersRole.body.allow_any_name).toBe(false);
    expect(commerce.database?.roles.map((r) => r.path)).toEqual([
      'database/roles/commerce-readonly',
      'database/roles/commerce-readwrite',
    ]);
  });

  it('fails on a policy path outside the system prefix, a role bound elsewhere and a stray file, all at once', () => {
    const dir = path.join(dist, 'prod', 'vault', 'commerce');
    fs.appendFileSync(
      path.join(dir, 'commerce-orders.hcl'),
      '\npath "kv/data/fulfillment/carrier-api" {\n  capabilities = ["read"]\n}\n',
    );
    const role = JSON.parse(fs.readFileSync(path.join(dir, 'commerce-payments.role.json'), 'utf8'));
    role.bound_service_account_namespaces = ['fulfillment'];
    fs.writeFileSync(path.join(dir, 'commerce-payments.role.json'), JSON.stringify(role));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
    let error: unknown;
    try {
      planVault(path.join(dist, 'prod'), systems());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VaultPlanError);
    expect((error as VaultPlanError).problems).toEqual([
      `${dir}/commerce-orders.hcl: path "kv/data/fulfillment/carrier-api" is outside system "commerce"'s prefix; expected "<mount>/data/commerce/..." or one of "database/creds/commerce-readonly", "database/creds/commerce-readwrite", "pki-kafka/issue/commerce-orders", "pki-kafka/cert/ca_chain"`,
      `${dir}/commerce-payments.role.json: bound_service_account_namespaces must be ["commerce"], got ["fulfillment"]`,
      `${dir}/notes.txt: unexpected file; syskit writes <name>.hcl, <name>.role.json, <name>.kafka-pki-role.json and commerce.database.json`,
    ]);
  });

  it("refuses another workload's certificate, any other PKI path and a PKI role that issues other names, all at once", () => {
    const dir = path.join(dist, 'prod', 'vault', 'commerce');
    const grant = (p: string, capability: string) =>
      `\npath "${p}" {\n  capabilities = ["${capability}"]\n}\n`;
    // orders asks for payments' certificate (same system), an issue path of no workload, and its own PKI role's admin path.
    fs.appendFileSync(
      path.join(dir, 'commerce-orders.hcl'),
      grant('pki-kafka/issue/commerce-payments', 'update') +
        grant('pki-kafka/issue/commerce-anyone', 'update') +
        grant('pki-kafka/roles/commerce-orders', 'update'),
    );
    // catalog uses no Kafka: even the CA chain and its own name's issue path are not its to read.
    fs.appendFileSync(
      path.join(dir, 'commerce-catalog.hcl'),
      grant('pki-kafka/cert/ca_chain', 'read') + grant('pki-kafka/issue/commerce-catalog', 'update'),
    );
    // A widened PKI role would issue any identity; one moved to another mount would escape review.
    const paymentsFile = path.join(dir, 'commerce-payments.kafka-pki-role.json');
    const payments = JSON.parse(fs.readFileSync(paymentsFile, 'utf8'));
    payments.body.allowed_domains = ['commerce-payments', 'identity-accounts'];
    payments.path = 'pki/roles/commerce-payments';
    fs.writeFileSync(paymentsFile, JSON.stringify(payments));
    // A PKI role for a workload that uses no Kafka.
    fs.writeFileSync(
      path.join(dir, 'commerce-catalog.kafka-pki-role.json'),
      fs.readFileSync(path.join(dir, 'commerce-orders.kafka-pki-role.json')),
    );
    let error: unknown;
    try {
      planVault(path.join(dist, 'prod'), systems());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(VaultPlanError);
    const ordersAllowed =
      '"database/creds/commerce-readonly", "database/creds/commerce-readwrite", "pki-kafka/issue/commerce-orders", "pki-kafka/cert/ca_chain"';
    const catalogAllowed = '"database/creds/commerce-readonly", "database/creds/commerce-readwrite"';
    const outside = (file: string, p: string, allowed: string) =>
      `${dir}/${file}: path "${p}" is outside system "commerce"'s prefix; expected "<mount>/data/commerce/..." or one of ${allowed}`;
    const problems = (error as VaultPlanError).problems;
    expect(problems.slice(0, 4)).toEqual([
      outside('commerce-catalog.hcl', 'pki-kafka/cert/ca_chain', catalogAllowed),
      outside('commerce-catalog.hcl', 'pki-kafka/issue/commerce-catalog', catalogAllowed),
      `${dir}/commerce-catalog.kafka-pki-role.json: "commerce-catalog" is no Kafka-using workload's PKI role in system "commerce"; expected one of "commerce-orders", "commerce-payments"`,
      outside('commerce-orders.hcl', 'pki-kafka/issue/commerce-payments', ordersAllowed),
    ]);
    expect(problems.slice(4, 6)).toEqual([
      outside('commerce-orders.hcl', 'pki-kafka/issue/commerce-anyone', ordersAllowed),
      outside('commerce-orders.hcl', 'pki-kafka/roles/commerce-orders', ordersAllowed),
    ]);
    expect(problems[6]).toBe(
      `${dir}/commerce-payments.kafka-pki-role.json: path must be "pki-kafka/roles/commerce-payments", got "pki/roles/commerce-payments"`,
    );
    expect(problems[7]).toMatch(
      /commerce-payments\.kafka-pki-role\.json: body must be the role syskit derives for commerce\/payments, .*"allowed_domains":\["commerce-payments"\].*; got .*"allowed_domains":\["commerce-payments","identity-accounts"\]/,
    );
    expect(problems).toHaveLength(8);
  });

  it("derives the PKI paths from the environment's mount, not from the default name", () => {
    const env = fleet.environments.find((e) => e.name === prod.name)!;
    const moved = { ...env, kafka: { ...env.kafka, clientPki: 'pki-kafka-prod' } };
    const movedSystems = fleet.systems.map((s) => resolve(s, moved, fleet));
    // The files were written for "pki-kafka"; against an environment whose mount is another, they are foreign.
    expect(() => planVault(path.join(dist, 'prod'), movedSystems)).toThrow(
      /commerce-orders\.hcl: path "pki-kafka\/cert\/ca_chain" is outside system "commerce"'s prefix; expected .* "pki-kafka-prod\/issue\/commerce-orders", "pki-kafka-prod\/cert\/ca_chain"/,
    );
    expect(() => planVault(path.join(dist, 'prod'), movedSystems)).toThrow(
      /commerce-orders\.kafka-pki-role\.json: path must be "pki-kafka-prod\/roles\/commerce-orders", got "pki-kafka\/roles\/commerce-orders"/,
    );
  });

  it('makes syskit vault apply exit 1 before contacting Vault', async () => {
    const dir = path.join(dist, 'prod', 'vault', 'commerce');
    fs.appendFileSync(
      path.join(dir, 'commerce-orders.hcl'),
      '\npath "kv/data/identity/signing-key" {\n  capabilities = ["read"]\n}\n',
    );
    // Nothing listens on port 1: had the apply tried to write, it would fail with exit 3 instead.
    const result = await run(
      ...['vault', 'apply', '--env', 'prod', '--out', dist],
      ...['--vault-address', 'http://127.0.0.1:1', '--vault-token', 'unused'],
    );
    expect(result.code).toBe(1);
    expect(result.err).toContain('1 problem in the Vault files; nothing was applied');
    expect(result.err).toContain(
      'path "kv/data/identity/signing-key" is outside system "commerce"\'s prefix',
    );
  }, 60_000);

  it('fails with usage errors naming what is missing', async () => {
    expect(
      await run('vault', 'apply', '--vault-address', 'http://127.0.0.1:1', '--vault-token', 't'),
    ).toMatchObject({
      code: 2,
      err: 'syskit: syskit vault apply needs --env <name>',
    });
    expect(await run('vault', 'push', '--env', 'prod')).toMatchObject({
      code: 2,
      err: 'syskit: expected "vault apply" or "vault remove", got "vault push"',
    });
    expect(await run('vault', 'apply', 'now', '--env', 'prod')).toMatchObject({
      code: 2,
      err: 'syskit: unexpected argument "now"',
    });
  });
});
