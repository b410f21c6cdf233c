import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../cli/main';
import type { Io } from '../../cli/io';
import { environments } from '../../environments';
import { parseFleet, resolve } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { planVault, VaultPlanError } from '../../stacks/vault-apply';

async function run(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

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
    ]);
    expect(commerce.roles.map((r) => r.name)).toEqual(commerce.policies.map((p) => p.name));
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
      `${dir}/commerce-orders.hcl: path "kv/data/fulfillment/carrier-api" is outside system "commerce"'s prefix; expected "<mount>/data/commerce/..." or one of "database/creds/commerce-readonly", "database/creds/commerce-readwrite"`,
      `${dir}/commerce-payments.role.json: bound_service_account_namespaces must be ["commerce"], got ["fulfillment"]`,
      `${dir}/notes.txt: unexpected file; syskit writes <name>.hcl, <name>.role.json and commerce.database.json`,
    ]);
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
      err: 'syskit: expected "vault apply", got "vault push"',
    });
  });
});
