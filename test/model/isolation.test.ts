import dev from '../../environments/dev';
import { deriveEphemeral } from '../../environments/ephemeral';
import {
  environmentSchema,
  normalizeRoutePath,
  parseFleet,
  resolveByName,
  ValidationError,
  type EnvironmentInput,
  type Issue,
  type SystemInput,
} from '../../model';

function issuesOf(systems: unknown[], environments: unknown[] = [dev]): string[] {
  try {
    parseFleet(systems, environments);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i: Issue) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

type ServiceInput = SystemInput['services'][string];

/** A system with the given services; each reads a secret and publishes, so Vault and Kafka know it. */
function system(
  name: string,
  services: Record<string, Partial<ServiceInput>>,
  extra: Partial<SystemInput> = {},
) {
  return {
    name,
    owner: 'team',
    description: `System ${name}`,
    topics: { events: {} },
    services: Object.fromEntries(
      Object.entries(services).map(([svc, fields]) => [
        svc,
        {
          image: `registry.acme.example/${name}/${svc}:1.0.0`,
          port: 8080,
          secrets: { token: `kv/data/${name}/token` },
          topics: { publishes: ['events'] },
          ...fields,
        },
      ]),
    ),
    ...extra,
  } as SystemInput;
}

describe('derived names across systems', () => {
  it('fails pay/ments-api beside pay-ments/api: one Kafka user, consumer group, Vault role and policy', () => {
    expect(issuesOf([system('pay', { 'ments-api': {} }), system('pay-ments', { api: {} })])).toEqual([
      'pay-ments.services.api: "pay-ments-api" is also the Kafka user, consumer group and Vault role and policy of pay.services.ments-api; the two would share credentials and grants, so rename one of them',
    ]);
  });

  it('fails the same clash through a job, and through three-part names', () => {
    const job = { image: 'registry.acme.example/a/j:1.0.0', schedule: '0 3 * * *' };
    expect(
      issuesOf([system('a', { web: {} }, { jobs: { 'b-c-d': job } }), system('a-b', { 'c-d': {} })]),
    ).toEqual([
      'a-b.services.c-d: "a-b-c-d" is also the Kafka user, consumer group and Vault role and policy of a.jobs.b-c-d; the two would share credentials and grants, so rename one of them',
    ]);
  });

  it('accepts names that only look alike', () => {
    expect(issuesOf([system('pay', { 'ments-api': {} }), system('pay-ment', { api: {} })])).toEqual([]);
  });

  it('fails an ephemeral environment whose namespaces or names meet a long-lived system', () => {
    const pr = deriveEphemeral(dev, { name: 'pr-1', createdAt: new Date('2025-01-01T00:00:00Z') });
    expect(issuesOf([system('shop', { api: {} }), system('shop-pr-1', { web: {} })], [pr])).toEqual([
      'shop.name: namespace "shop-pr-1" of this system in ephemeral environment pr-1 is the namespace of system "shop-pr-1" (shop-pr-1.name); choose another environment name',
    ]);
    expect(issuesOf([system('shop', { 'x-api': {} }), system('shop-pr-1-x', { api: {} })], [pr])).toEqual([
      'shop.services.x-api (environment pr-1): "shop-pr-1-x-api" is also the Kafka user, consumer group and Vault role and policy of shop-pr-1-x.services.api; the two would share credentials and grants, so rename one of them',
    ]);
    const kube = deriveEphemeral(dev, { name: 'system', createdAt: new Date('2025-01-01T00:00:00Z') });
    expect(issuesOf([system('kube', { api: {} })], [kube])).toEqual([
      'kube.name: namespace "kube-system" of this system in ephemeral environment system is reserved for Kubernetes or the platform; choose another environment name',
    ]);
  });
});

describe('HTTPRoute names within a system', () => {
  it('fails service a with /b-c beside service a-b with /c: both would be HTTPRoute a-b-c', () => {
    expect(
      issuesOf([system('shop', { a: { routes: [{ path: '/b-c' }] }, 'a-b': { routes: [{ path: '/c' }] } })]),
    ).toEqual([
      'shop.services.a-b.routes[0]: its HTTPRoute would be named "a-b-c" like the one of shop.services.a.routes[0] in the same namespace, and one would replace the other; change one of the paths',
    ]);
  });

  it('fails names that meet only after punctuation or truncation', () => {
    expect(
      issuesOf([system('shop', { a: { routes: [{ path: '/b.c' }] }, 'a-b': { routes: [{ path: '/c' }] } })]),
    ).toHaveLength(1);
    const long = '/a-very-long-path-segment-that-goes-on-and-on';
    expect(
      issuesOf([
        system('shop', {
          web: { routes: [{ path: `${long}/one` }] },
          'web-a': { routes: [{ path: '/very-long-path-segment-that-goes-o' }] },
        }),
      ]),
    ).toEqual([
      'shop.services.web-a.routes[0]: its HTTPRoute would be named "web-a-very-long-path-segment-that-goes-o" like the one of shop.services.web.routes[0] in the same namespace, and one would replace the other; change one of the paths',
    ]);
  });
});

describe('reserved names', () => {
  it('fails a system named platform, which would replace dist/<env>/platform.yaml', () => {
    expect(issuesOf([system('platform', { api: {} })])).toEqual([
      'platform.name: "platform" names the environment\'s platform objects (dist/<env>/platform.yaml: gateway, issuers, policies); choose another system name',
    ]);
  });

  it('fails default, kube-* and the platform namespaces', () => {
    expect(
      issuesOf([
        system('default', { api: {} }),
        system('kube-tools', { api: {} }),
        system('kong', { web: {} }),
      ]),
    ).toEqual([
      'default.name: "default" is a namespace of Kubernetes or the platform; choose another system name',
      'kong.name: "kong" is a namespace of Kubernetes or the platform; choose another system name',
      'kube-tools.name: "kube-tools" is a namespace of Kubernetes or the platform; choose another system name',
    ]);
  });
});

describe('route paths', () => {
  const route = (name: string, path: string, extra: Record<string, unknown> = {}) =>
    system(name, { web: { routes: [{ host: 'shop', path, ...extra }] } });

  it('normalises trailing slashes, percent-encoded plain characters, and nothing else', () => {
    expect(normalizeRoutePath('/v1/orders/')).toEqual({ path: '/v1/orders' });
    expect(normalizeRoutePath('/')).toEqual({ path: '/' });
    expect(normalizeRoutePath('/v1/%6Frders')).toEqual({ path: '/v1/orders' });
    expect(normalizeRoutePath('/v1%2Fadmin')).toHaveProperty('problem');
  });

  it("fails /v1/orders/ beside another system's /v1/orders: one prefix at the gateway", () => {
    expect(issuesOf([route('shop', '/v1/orders'), route('intruder', '/v1/orders/')])).toEqual([
      'intruder.services.web.routes[0]: route shop.dev.acme.example/v1/orders is already declared by shop.services.web.routes[0] (environment dev)',
    ]);
    expect(issuesOf([route('shop', '/v1/orders'), route('intruder', '/v1/%6frders')])).toHaveLength(1);
  });

  it("fails a prefix nested in another system's, unless the broader route allows sharing", () => {
    expect(issuesOf([route('shop', '/v1/orders'), route('intruder', '/v1')])).toEqual([
      'shop.services.web.routes[0]: shop.dev.acme.example/v1/orders lies under shop.dev.acme.example/v1 of intruder.services.web.routes[0] (system "intruder", environment dev): the gateway would send those requests here instead; choose a path outside it, or the owner of /v1 writes allowShared: true on that route',
    ]);
    expect(issuesOf([route('shop', '/'), route('intruder', '/admin')])).toHaveLength(1);
    expect(issuesOf([route('shop', '/v1/orders'), route('intruder', '/v1', { allowShared: true })])).toEqual(
      [],
    );
    // Element-wise: /v1/orders-export is not under /v1/orders.
    expect(issuesOf([route('shop', '/v1/orders'), route('intruder', '/v1/orders-export')])).toEqual([]);
  });

  it('fails /v1/../admin, //v1 and encoded separators, which the HTTPRoute CRD refuses', () => {
    expect(issuesOf([route('shop', '/v1/../admin')])).toEqual([
      'shop.services.web.routes[0].path: path "/v1/../admin" has a "." or ".." segment, which the gateway refuses; write the path it stands for, like "/admin"',
    ]);
    expect(issuesOf([route('shop', '//v1')])).toEqual([
      'shop.services.web.routes[0].path: path "//v1" has an empty segment ("//"), which the gateway refuses; write "/v1"',
    ]);
    expect(issuesOf([route('shop', '/v1/%2e%2e/admin')])).toHaveLength(1);
    expect(issuesOf([route('shop', '/v1%2Fadmin')])).toEqual([
      'shop.services.web.routes[0].path: path "/v1%2Fadmin" has "%2F", which is not an encoding of a letter, digit or "-._~"; routes match decoded paths, so write the path without it',
    ]);
  });

  it('writes the canonical path into the HTTPRoute', () => {
    const resolved = resolveByName([route('shop', '/v1/orders/')], dev, 'shop');
    expect(resolved.services[0].routes[0].path).toBe('/v1/orders');
  });

  it("fails an ephemeral environment's route that lands on a long-lived one on the shared gateway", () => {
    const pr = deriveEphemeral(dev, { name: 'pr-1', createdAt: new Date('2025-01-01T00:00:00Z') });
    const a = system('shop', { web: { routes: [{ path: '/v1' }] } });
    const b = system('pr-1-shop', { web: { routes: [{ path: '/v1' }] } });
    expect(issuesOf([a, b], [pr])).toContain(
      'shop.services.web.routes[0]: route pr-1-shop.dev.acme.example/v1 in environment pr-1 is also the route of pr-1-shop.services.web.routes[0] (system "pr-1-shop", long-lived environments) on the same gateway; choose another host or environment name',
    );
  });
});

describe('Vault secret paths', () => {
  const secret = (name: string, path: string) => system(name, { api: { secrets: { key: path } } });

  it("fails kv/data/billing/../commerce/stripe: normalised, it is another system's secret", () => {
    expect(issuesOf([secret('billing', 'kv/data/billing/../commerce/stripe')])).toEqual([
      'billing.services.api.secrets.key: "kv/data/billing/../commerce/stripe" has a "." or ".." segment; Vault reads it literally and reviewers would not, so write the path it stands for ("kv/data/commerce/stripe") if you own it',
    ]);
    expect(issuesOf([secret('billing', 'kv/data/billing/./x')])).toHaveLength(1);
    expect(issuesOf([secret('billing', 'kv/data//billing/x')])).toHaveLength(1);
  });

  it('fails a mount that is not a KV mount of the environment, like sys/billing/x', () => {
    expect(issuesOf([secret('billing', 'sys/billing/x')])).toEqual([
      'billing.services.api.secrets.key: mount "sys" is not a KV secrets mount in environment dev; expected one of "kv", "secret" (vault.kvMounts)',
    ]);
    expect(issuesOf([secret('billing', 'database/billing/x')])).toHaveLength(1);
    const custom: EnvironmentInput = { ...dev, vault: { kvMounts: ['team-kv'] } };
    expect(issuesOf([secret('billing', 'team-kv/data/billing/x')], [custom])).toEqual([]);
    expect(environmentSchema.parse(dev).vault.kvMounts).toEqual(['kv', 'secret']);
  });
});
