import * as pulumi from '@pulumi/pulumi';
import dev from '../../environments/dev';
import { renderVaultFiles } from '../../constructs/vault-files';
import { ephemeral, resolveIn } from '../constructs/system-objects';

interface Created {
  type: string;
  name: string;
  inputs: Record<string, any>;
  provider?: string;
}

const created: Created[] = [];

// Mocks go in before the program module is loaded, so its resources register against them.
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      created.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  'syskit',
  'test',
  false,
);

function value<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe('syskit:vault:SystemAccess', () => {
  let mod: typeof import('../../stacks/vault-access');
  let vault: typeof import('@pulumi/vault');

  beforeAll(async () => {
    mod = await import('../../stacks/vault-access');
    vault = await import('@pulumi/vault');
  });
  beforeEach(() => created.splice(0));

  const build = (name: string, env = dev, system = 'shop') =>
    new mod.SystemAccess(name, {
      system: resolveIn(env, system),
      provider: new vault.Provider(`${name}-vault`, { address: 'http://vault.vault.svc:8200' }),
    });

  it('creates a policy and a role for each workload that reads from Vault, and nothing for the others', async () => {
    const access = build('shop-dev');
    expect(Object.keys(access.policies)).toEqual(['orders']);
    expect(Object.keys(access.roles)).toEqual(['orders']);
    await value(access.roles.orders.roleName);
    // The auth role waits for its policy's name, so registration order is not fixed.
    expect(
      created
        .filter((c) => c.type.startsWith('vault:'))
        .map((c) => `${c.type} ${c.name}`)
        .sort(),
    ).toEqual([
      'vault:index/policy:Policy shop-dev-orders',
      'vault:kubernetes/authBackendRole:AuthBackendRole shop-dev-orders',
      'vault:pkiSecret/secretBackendRole:SecretBackendRole shop-dev-orders-kafka',
    ]);
    // profiles only consumes a topic: Vault issues its Kafka certificate and holds nothing else for it.
    expect(Object.keys(build('accounts-dev', dev, 'accounts').roles)).toEqual(['profiles']);
  });

  it('issues Kafka client certificates for exactly the KafkaUser name, as the reviewed file says', async () => {
    build('shop-dev');
    await new Promise((r) => setTimeout(r, 50));
    const role = created.find((c) => c.name === 'shop-dev-orders-kafka')!.inputs;
    expect(role).toMatchObject({
      backend: 'pki-kafka',
      name: 'shop-orders',
      allowedDomains: ['shop-orders'],
      allowBareDomains: true,
      allowSubdomains: false,
      allowAnyName: false,
      clientFlag: true,
      serverFlag: false,
    });
  });

  it('binds the role to exactly the workload ServiceAccount and namespace, for the vault audience', async () => {
    const role = build('shop-dev').roles.orders;
    await value(role.roleName);
    const inputs = created.find((c) => c.type === 'vault:kubernetes/authBackendRole:AuthBackendRole')!.inputs;
    expect(inputs).toEqual({
      backend: 'kubernetes',
      roleName: 'shop-orders',
      boundServiceAccountNames: ['orders'],
      boundServiceAccountNamespaces: ['shop'],
      audience: 'vault',
      tokenPolicies: ['shop-orders'],
      tokenTtl: 3600,
      tokenMaxTtl: 14400,
    });
  });

  it('applies exactly the least-privilege policy of the reviewed HCL file', async () => {
    const policy = build('shop-dev').policies.orders;
    expect(await value(policy.name)).toBe('shop-orders');
    const text = await value(policy.policy);
    expect(text).toBe(renderVaultFiles(resolveIn(dev)).get('shop-orders.hcl'));
    expect(text).toContain('path "database/creds/shop-readwrite" {\n  capabilities = ["read"]\n}');
    expect(text).toContain('path "kv/data/shop/stripe" {\n  capabilities = ["read"]\n}');
  });

  it('creates every Vault object through the explicit provider', async () => {
    const access = build('shop-dev');
    await value(access.roles.orders.roleName);
    for (const c of created.filter((c) => c.type.startsWith('vault:'))) {
      expect(c.provider).toMatch(/::shop-dev-vault::/);
    }
  });

  it('keeps the roles of an ephemeral environment apart from its base', async () => {
    const role = build('shop-pr-7', ephemeral(dev, 'pr-7')).roles.orders;
    expect(await value(role.roleName)).toBe('shop-pr-7-orders');
    expect(await value(role.boundServiceAccountNamespaces)).toEqual(['shop-pr-7']);
  });
});
