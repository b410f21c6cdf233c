import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseFleet, ValidationError, type Issue, type SystemInput } from '../../model';
import { loadDeclarations } from '../../synth/load';
import dev from '../../environments/dev';
import { accounts, shop } from '../fixtures/fleet';

function issuesOf(systems: unknown[], environments: unknown[] = [dev]): Issue[] {
  try {
    parseFleet(systems, environments);
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected the fleet to be invalid');
}

const lines = (issues: Issue[]) => issues.map((i) => `${i.path}: ${i.message}`);

/** A copy of the shop fixture with one service changed. */
function withOrders(change: Record<string, unknown>): SystemInput {
  return {
    ...shop,
    services: { ...shop.services, orders: { ...shop.services.orders, ...change } },
  } as SystemInput;
}

describe('fleet validation', () => {
  it('accepts the example systems and environments', () => {
    const fleet = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));
    expect(fleet.systems.map((s) => s.name)).toEqual(['commerce', 'fulfillment', 'identity']);
    expect(fleet.environments.map((e) => e.name).sort()).toEqual(['dev', 'prod', 'qa', 'staging']);
  });

  it('reports every problem of a broken file at once, each with its path', () => {
    const issues = issuesOf(loadDeclarations(path.join(__dirname, '../fixtures/invalid-systems.yaml')));
    expect(lines(issues)).toEqual([
      'Storefront.name: system name must be a DNS label: lowercase letters, digits and "-", starting with a letter',
      'Storefront.services.web.routes[0]: route shop.dev.acme.example/v1/orders is already declared by commerce.services.orders.routes[0] (environment dev)',
      'commerce.services.orders.calls[1]: unknown service "payment" (did you mean "payments"?)',
      'commerce.services.orders.database: "readwrite" access needs a database; declare commerce.database',
      'commerce.services.orders.env.DB_PASSWORD: looks like a secret; declare it under secrets with a Vault path instead of a plain value',
      'commerce.services.orders.image: the tag "latest" floats; pin a version tag (one with a digit, like 7.2.4) or a digest, got "registry.acme.example/commerce/orders:latest"',
      'commerce.services.orders.topics.consumes[0]: topic "refund-events" is not declared by system "commerce"',
      'commerce.services.payments.autoscaling: min (5) must not exceed max (2)',
      'commerce.services.payments.image: image must be pinned to a tag or digest, got "registry.acme.example/commerce/payments"',
      'commerce.services.payments.port: port must be between 1 and 65535',
    ]);
  });

  it('fails a call to an unknown system with a suggestion', () => {
    const issues = issuesOf([withOrders({ calls: ['acounts/profiles'] }), accounts]);
    expect(lines(issues)).toEqual([
      'shop.services.orders.calls[0]: unknown system "acounts" (did you mean "accounts"?)',
    ]);
  });

  it('fails a call to an unknown service of another system', () => {
    const issues = issuesOf([withOrders({ calls: ['accounts/profile'] }), accounts]);
    expect(lines(issues)).toEqual([
      'shop.services.orders.calls[0]: unknown service "profile" in system "accounts" (did you mean "profiles"?)',
    ]);
  });

  it('fails autoscaling with min above max', () => {
    const issues = issuesOf([withOrders({ autoscaling: { min: 4, max: 2 } }), accounts]);
    expect(lines(issues)).toEqual(['shop.services.orders.autoscaling: min (4) must not exceed max (2)']);
  });

  it('fails replicas and autoscaling together', () => {
    const issues = issuesOf([withOrders({ replicas: 3 }), accounts]);
    expect(lines(issues)).toEqual([
      'shop.services.orders.replicas: declare either replicas or autoscaling, not both',
    ]);
  });

  it('fails a metrics port that duplicates the service port', () => {
    const issues = issuesOf([withOrders({ metrics: { port: 8080 } }), accounts]);
    expect(lines(issues)).toEqual([
      'shop.services.orders.metrics.port: port 8080 is already the service port; leave metrics.port out to serve metrics on it',
    ]);
  });

  it('fails names that are too long for the objects built from them', () => {
    const issues = issuesOf([
      {
        ...accounts,
        name: 'a'.repeat(31),
        services: { profiles: { image: 'registry.acme.example/a/b:1.0.0', port: 80 } },
      },
    ]);
    expect(lines(issues)).toEqual([`${'a'.repeat(31)}.name: system name must be at most 30 characters`]);
  });

  it('fails secret-looking env keys of every common shape', () => {
    const issues = issuesOf([
      withOrders({ env: { API_TOKEN: 'x', STRIPE_SECRET: 'y', SIGNING_KEY: 'z', LOG_LEVEL: 'info' } }),
      accounts,
    ]);
    expect(issues.map((i) => i.path)).toEqual([
      'shop.services.orders.env.API_TOKEN',
      'shop.services.orders.env.SIGNING_KEY',
      'shop.services.orders.env.STRIPE_SECRET',
    ]);
  });

  it('fails publishing a topic the system does not declare', () => {
    const issues = issuesOf([withOrders({ topics: { publishes: ['order-event'] } }), accounts]);
    expect(lines(issues)).toEqual([
      'accounts.services.profiles.topics.consumes[0]: no workload of system "shop" publishes topic "order-events"; declare it under a service\'s topics.publishes',
      'shop.services.orders.topics.publishes[0]: unknown topic "order-event"; a service publishes only topics its system declares under shop.topics (did you mean "order-events"?)',
    ]);
  });

  it('fails a misspelt field instead of ignoring it', () => {
    const issues = issuesOf([withOrders({ replica: 2 }), accounts]);
    expect(lines(issues)).toEqual(['shop.services.orders: unknown field "replica"']);
  });

  it('fails two routes with the same host and path in one environment', () => {
    const twin: SystemInput = {
      ...accounts,
      services: {
        profiles: { ...accounts.services.profiles, routes: [{ host: 'shop', path: '/v1/orders' }] },
      },
    };
    const issues = issuesOf([shop, twin]);
    expect(lines(issues)).toEqual([
      'accounts.services.profiles.routes[0]: route shop.dev.acme.example/v1/orders is already declared by shop.services.orders.routes[0] (environment dev)',
    ]);
  });

  it('fails overrides that name an unknown system or service', () => {
    const env = { ...dev, overrides: { shopp: {}, shop: { services: { order: { replicas: 2 } } } } };
    const issues = issuesOf([shop, accounts], [env]);
    expect(lines(issues)).toEqual([
      'environments.dev.overrides.shop.services.order: unknown service "order" in system "shop" (did you mean "orders"?)',
      'environments.dev.overrides.shopp: unknown system "shopp" (did you mean "shop"?)',
    ]);
  });

  it('fails an environment without a way to verify tokens', () => {
    const env = { ...dev, identityProvider: { issuer: 'https://id.example/realms/x' } };
    const issues = issuesOf([shop, accounts], [env]);
    expect(lines(issues)).toEqual([
      "environments.dev.identityProvider.publicKey: declare publicKey (PEM): open-source Kong's jwt plugin verifies tokens with the provider's public key",
    ]);
  });
});

describe('fleet validation of secrets, events and the identity provider', () => {
  it('fails a secret path outside the system own prefix', () => {
    const issues = issuesOf([withOrders({ secrets: { 'stripe-key': 'kv/data/payments/stripe' } }), accounts]);
    expect(lines(issues)).toEqual([
      'shop.services.orders.secrets.stripe-key: "kv/data/payments/stripe" is outside the system\'s own prefix; expected "<mount>/data/shop/..." or "<mount>/shop/..."',
    ]);
  });

  it('fails consuming a topic that no workload publishes', () => {
    const issues = issuesOf([withOrders({ topics: undefined }), accounts]);
    expect(lines(issues)).toEqual([
      'accounts.services.profiles.topics.consumes[0]: no workload of system "shop" publishes topic "order-events"; declare it under a service\'s topics.publishes',
    ]);
  });

  it('fails topics with fewer partitions than the environment requires', () => {
    const strict = { ...dev, kafka: { minPartitions: 6 } };
    const issues = issuesOf([shop, accounts], [strict]);
    expect(lines(issues)).toEqual([
      'shop.topics.order-events.partitions: 3 is below the minimum of 6 partitions in environment dev',
    ]);
  });

  it('fails a JWT route in an environment without an identity provider, but not a public one', () => {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- dropped on purpose; the rest is the environment
    const { identityProvider: _, ...noIdp } = dev;
    const issues = issuesOf([shop, accounts], [noIdp]);
    expect(lines(issues)).toEqual([
      "shop.services.orders.routes[0].auth: environment dev has no identityProvider to validate JWTs; declare one there, or write auth: 'none' for a public route",
    ]);
    const open = withOrders({ routes: [{ host: 'shop', path: '/v1/orders', auth: 'none' }] });
    expect(parseFleet([open, accounts], [noIdp]).systems).toHaveLength(2);
  });
});

describe('fleet validation of names that would collide', () => {
  it('fails a system named after a platform namespace', () => {
    const kong = {
      ...accounts,
      name: 'kong',
      services: { 'kong-gateway': { image: 'registry.acme.example/k/g:1.0.0', port: 8080 } },
    };
    const issues = issuesOf([kong], [dev]);
    expect(lines(issues)).toEqual([
      'kong.name: "kong" is a namespace of Kubernetes or the platform; choose another system name',
    ]);
    const vault = {
      ...kong,
      name: 'vault',
      services: { ui: { image: 'registry.acme.example/k/g:1.0.0', port: 8080 } },
    };
    expect(lines(issuesOf([vault], [dev]))).toEqual([
      'vault.name: "vault" is a platform namespace in environment dev; choose another system name',
    ]);
  });

  it('fails a job named like a service of the same system', () => {
    const clash = {
      ...shop,
      jobs: { orders: { image: 'registry.acme.example/shop/orders:1.2.3', schedule: '0 3 * * *' } },
    };
    expect(lines(issuesOf([clash, accounts]))).toEqual([
      'shop.jobs.orders: a service is named "orders" too; a job and a service would share a ServiceAccount, mesh identity and pod selector',
    ]);
  });

  it("fails a service named like the system's database objects", () => {
    const clash = {
      ...shop,
      services: { ...shop.services, 'shop-db': { image: 'registry.acme.example/shop/x:1.0.0', port: 8080 } },
    };
    expect(lines(issuesOf([clash, accounts]))).toEqual([
      'shop.services.shop-db: "shop-db" is reserved for the system\'s database objects; choose another name',
    ]);
  });
});

describe('fleet validation of external authorization', () => {
  const charts = () => loadDeclarations('charts') as SystemInput[];
  /** The example fleet with commerce's orders asking for `authz`. */
  const withOrdersAuthz = (authz: unknown) =>
    charts().map((s) =>
      s.name === 'commerce'
        ? { ...s, services: { ...s.services, orders: { ...s.services.orders, authz } } }
        : s,
    );

  it('reads the Rego file a service names when the fleet is parsed', () => {
    const fleet = parseFleet(charts(), [dev]);
    expect([...fleet.regoSources.keys()]).toEqual(['policies/authz/orders.rego']);
    expect(fleet.regoSources.get('policies/authz/orders.rego')).toBe(
      fs.readFileSync(path.join(__dirname, '../../policies/authz/orders.rego'), 'utf8'),
    );
  });

  it('fails a policy file that does not exist', () => {
    const issues = issuesOf(withOrdersAuthz({ policy: 'policies/authz/order.rego' }));
    expect(lines(issues)).toEqual([
      'commerce.services.orders.authz.policy: no such Rego file "policies/authz/order.rego"',
    ]);
  });

  it('fails a policy that is not a .rego file or lies outside the repository', () => {
    expect(lines(issuesOf(withOrdersAuthz({ policy: 'policies/authz/orders.json' })))).toEqual([
      'commerce.services.orders.authz.policy: expected a Rego file ending in ".rego", got "policies/authz/orders.json"',
    ]);
    expect(lines(issuesOf(withOrdersAuthz({ policy: '../authz/orders.rego' })))).toEqual([
      'commerce.services.orders.authz.policy: expected a path relative to the repository root, like "policies/authz/orders.rego", got "../authz/orders.rego"',
    ]);
  });

  describe('against a folder of policies', () => {
    let root: string;
    beforeAll(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-authz-'));
      fs.writeFileSync(path.join(root, 'orders.rego'), 'package envoy.authz\n\ndefault allow := false\n');
      fs.writeFileSync(path.join(root, 'payments.rego'), 'package envoy.authz\n\ndefault allow := true\n');
      fs.writeFileSync(path.join(root, 'other.rego'), 'package payments.rules\n\ndefault allow := false\n');
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    const guarded = (policies: Record<string, string>): SystemInput => ({
      ...shop,
      services: Object.fromEntries(
        Object.entries(shop.services).map(([name, s]) => [
          name,
          policies[name] ? { ...s, authz: { policy: policies[name] } } : s,
        ]),
      ),
    });
    /** Every problem of a fleet whose policies live in `root`. */
    const problems = (systems: unknown[], environments: unknown[] = [dev]): string[] => {
      try {
        parseFleet(systems, environments, { root });
      } catch (error) {
        if (error instanceof ValidationError) return lines([...error.issues]);
        throw error;
      }
      throw new Error('expected the fleet to be invalid');
    };

    it('fails a policy that is not the package opa-envoy asks', () => {
      expect(problems([guarded({ orders: 'other.rego' }), accounts])).toEqual([
        'shop.services.orders.authz.policy: "other.rego" declares package payments.rules; opa-envoy asks data.envoy.authz.allow, so declare "package envoy.authz"',
      ]);
    });

    it('fails two services of one system naming different policies for their shared OPA', () => {
      expect(problems([guarded({ orders: 'orders.rego', payments: 'payments.rego' }), accounts])).toEqual([
        'shop.services.payments.authz.policy: "payments.rego" differs from "orders.rego" of shop.services.orders.authz.policy; the services of a system share one OPA serving one envoy.authz package, so name one Rego file for all of them',
      ]);
      const shared = guarded({ orders: 'orders.rego', payments: 'orders.rego' });
      expect([...parseFleet([shared, accounts], [dev], { root }).regoSources.keys()]).toEqual([
        'orders.rego',
      ]);
    });

    it('fails authz in an environment whose mesh has no external authorization', () => {
      const linkerd = { ...dev, mesh: { provider: 'linkerd' } };
      expect(problems([guarded({ orders: 'orders.rego' }), accounts], [linkerd])).toEqual([
        'shop.services.orders.authz: environment dev uses linkerd, which has no external authorization; remove authz or use the istio mesh there',
      ]);
    });

    it('fails a workload named like the authorizer of its system', () => {
      const named = {
        ...guarded({ orders: 'orders.rego' }),
        jobs: { 'opa-authz': { image: 'registry.acme.example/shop/orders:1.2.3', schedule: '0 3 * * *' } },
      };
      expect(problems([named, accounts])).toEqual([
        'shop.jobs.opa-authz: "opa-authz" is the name of the system\'s OPA authorizer, which shop.services.orders.authz.policy asks for; rename the workload',
      ]);
    });
  });
});
