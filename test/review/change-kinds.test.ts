import { changesAfter, changesOf, fixture, type Sides } from './compare';

/* Each risk rule has a case where it fires and one where it does not. */

const orders = (s: Sides): any => s.systems[0].services.orders;
const payments = (s: Sides): any => s.systems[0].services.payments;
const profiles = (s: Sides): any => s.systems[1].services.profiles;
const DIGEST = 'sha256:4f9c1c2d6bd1f0b8f3b2e5f0d8a1c7e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0';

describe('change kinds and their risks', () => {
  it('reports nothing when nothing changed', () => {
    expect(changesAfter(() => {})).toEqual([]);
  });

  describe('call', () => {
    it('an added call is medium, reported in the caller and the callee system once each', () => {
      const changes = changesAfter((s) => (profiles(s).calls = ['shop/payments']));
      expect(changes).toEqual([
        {
          kind: 'call',
          subject: 'accounts/profiles -> shop/payments',
          before: null,
          after: 'grpc:9000',
          risk: 'medium',
        },
        {
          kind: 'call',
          subject: 'accounts/profiles -> shop/payments',
          before: null,
          after: 'grpc:9000',
          risk: 'medium',
        },
      ]);
    });

    it('a removed call is low', () => {
      const changes = changesAfter((s) => (orders(s).calls = ['payments']));
      expect(changes.filter((c) => c.kind === 'call')).toEqual([
        {
          kind: 'call',
          subject: 'shop/orders -> accounts/profiles',
          before: 'http:8080',
          after: null,
          risk: 'low',
        },
        {
          kind: 'call',
          subject: 'shop/orders -> accounts/profiles',
          before: 'http:8080',
          after: null,
          risk: 'low',
        },
      ]);
    });
  });

  describe('egress', () => {
    it('a new destination outside the fleet is high, a removed one low', () => {
      const added = changesAfter((s) => (payments(s).egress = [{ host: 'api.payments.example', port: 443 }]));
      expect(added).toEqual([
        {
          kind: 'egress',
          subject: 'shop/payments -> api.payments.example:443',
          before: null,
          after: 'https',
          risk: 'high',
        },
      ]);
      const before = fixture();
      payments(before).egress = [{ host: 'api.payments.example', port: 443 }];
      const removed = changesOf(before, fixture());
      expect(removed.map((c) => [c.kind, c.risk])).toEqual([['egress', 'low']]);
    });
  });

  describe('route', () => {
    it('a new route without authentication is high', () => {
      const [change] = changesAfter((s) => (payments(s).routes = [{ path: '/v1/pay', auth: 'none' }]));
      expect(change).toMatchObject({
        kind: 'route',
        subject: 'shop/payments shop/v1/pay',
        before: null,
        risk: 'high',
      });
    });

    it('a new route behind JWT is medium, a removed one low', () => {
      expect(changesAfter((s) => (payments(s).routes = [{ path: '/v1/pay' }]))[0]).toMatchObject({
        kind: 'route',
        risk: 'medium',
      });
      expect(changesAfter((s) => (orders(s).routes = []))[0]).toMatchObject({
        kind: 'route',
        subject: 'shop/orders shop/v1/orders',
        after: null,
        risk: 'low',
      });
    });

    it('auth jwt -> none is high; none -> jwt is low', () => {
      expect(changesAfter((s) => (orders(s).routes[0].auth = 'none'))).toEqual([
        {
          kind: 'route.auth',
          subject: 'shop/orders shop/v1/orders',
          before: 'jwt',
          after: 'none',
          risk: 'high',
        },
      ]);
      const open = fixture();
      orders(open).routes[0].auth = 'none';
      expect(changesOf(open, fixture())).toEqual([
        {
          kind: 'route.auth',
          subject: 'shop/orders shop/v1/orders',
          before: 'none',
          after: 'jwt',
          risk: 'low',
        },
      ]);
    });

    it('methods widened (or opened to every method) are medium; narrowed are low', () => {
      expect(changesAfter((s) => (orders(s).routes[0].methods = ['GET', 'POST', 'DELETE']))).toEqual([
        {
          kind: 'route.methods',
          subject: 'shop/orders shop/v1/orders',
          before: ['GET', 'POST'],
          after: ['DELETE', 'GET', 'POST'],
          risk: 'medium',
        },
      ]);
      expect(changesAfter((s) => delete orders(s).routes[0].methods)[0]).toMatchObject({
        after: 'any',
        risk: 'medium',
      });
      expect(changesAfter((s) => (orders(s).routes[0].methods = ['GET']))[0]).toMatchObject({ risk: 'low' });
    });

    it('a new CORS origin is medium, a removed one low', () => {
      const cors = (origins: string[]) => (s: Sides) => (orders(s).routes[0].corsOrigins = origins);
      expect(changesAfter(cors(['https://shop.acme.example']))).toEqual([
        {
          kind: 'route.cors',
          subject: 'shop/orders shop/v1/orders',
          before: [],
          after: ['https://shop.acme.example'],
          risk: 'medium',
        },
      ]);
      const two = fixture();
      cors(['https://a.acme.example', 'https://b.acme.example'])(two);
      const one = fixture();
      cors(['https://a.acme.example'])(one);
      expect(changesOf(two, one)[0]).toMatchObject({ kind: 'route.cors', risk: 'low' });
    });

    it('a raised rate limit or body size is low, a lowered one info', () => {
      expect(changesAfter((s) => (orders(s).routes[0].rateLimitPerMinute = 6000))).toEqual([
        {
          kind: 'route.rate-limit',
          subject: 'shop/orders shop/v1/orders',
          before: 600,
          after: 6000,
          risk: 'low',
        },
      ]);
      expect(changesAfter((s) => (orders(s).routes[0].rateLimitPerMinute = 60))[0]).toMatchObject({
        risk: 'info',
      });
      expect(changesAfter((s) => (orders(s).routes[0].maxBodyMegabytes = 64))[0]).toMatchObject({
        kind: 'route.max-body',
        risk: 'low',
      });
      expect(changesAfter((s) => (orders(s).routes[0].maxBodyMegabytes = 1))[0]).toMatchObject({
        risk: 'info',
      });
    });
  });

  describe('secret', () => {
    it('a granted Vault path is medium, a revoked one low', () => {
      expect(changesAfter((s) => (payments(s).secrets = { 'api-key': 'kv/data/shop/api' }))).toEqual([
        {
          kind: 'secret',
          subject: 'shop/payments kv/data/shop/api',
          before: null,
          after: 'api-key',
          risk: 'medium',
        },
      ]);
      expect(changesAfter((s) => delete orders(s).secrets)).toEqual([
        {
          kind: 'secret',
          subject: 'shop/orders kv/data/shop/stripe',
          before: 'stripe-key',
          after: null,
          risk: 'low',
        },
      ]);
    });
  });

  describe('database', () => {
    it('readwrite is high, readonly medium, lowering low', () => {
      expect(changesAfter((s) => (payments(s).database = 'readwrite'))).toEqual([
        { kind: 'database', subject: 'shop/payments', before: 'none', after: 'readwrite', risk: 'high' },
      ]);
      expect(changesAfter((s) => (payments(s).database = 'readonly'))[0]).toMatchObject({ risk: 'medium' });
      expect(changesAfter((s) => (orders(s).database = 'readonly'))).toEqual([
        { kind: 'database', subject: 'shop/orders', before: 'readwrite', after: 'readonly', risk: 'low' },
      ]);
    });
  });

  describe('topics', () => {
    it('a new publisher is medium, a withdrawn one low', () => {
      const before = fixture();
      before.systems[0].topics = { 'order-events': {}, refunds: {} };
      const after = fixture();
      after.systems[0].topics = { 'order-events': {}, refunds: {} };
      payments(after).topics = { publishes: ['refunds'] };
      expect(changesOf(before, after)).toEqual([
        {
          kind: 'topic.produce',
          subject: 'shop/payments -> shop/refunds',
          before: null,
          after: true,
          risk: 'medium',
        },
      ]);
      expect(changesOf(after, before)[0]).toMatchObject({ kind: 'topic.produce', risk: 'low' });
    });

    it("consuming another system's topic is medium, one's own low", () => {
      expect(changesAfter((s) => (payments(s).topics = { consumes: ['order-events'] }))).toEqual([
        {
          kind: 'topic.consume',
          subject: 'shop/payments <- shop/order-events',
          before: null,
          after: 'own system',
          risk: 'low',
        },
      ]);
      const before = fixture();
      delete profiles(before).topics;
      expect(changesOf(before, fixture())).toEqual([
        {
          kind: 'topic.consume',
          subject: 'accounts/profiles <- shop/order-events',
          before: null,
          after: 'other system',
          risk: 'medium',
        },
      ]);
    });
  });

  describe('authz', () => {
    it('removing external authorization is high, adding it low', () => {
      const guarded = fixture();
      orders(guarded).authz = { policy: 'policies/authz/orders.rego' };
      const [removed] = changesOf(guarded, fixture());
      expect(removed).toMatchObject({ kind: 'authz', subject: 'shop/orders', after: 'none', risk: 'high' });
      expect(String(removed.before)).toMatch(/^policies\/authz\/orders\.rego#[0-9a-f]{12}$/);
      expect(changesOf(fixture(), guarded)[0]).toMatchObject({ kind: 'authz', before: 'none', risk: 'low' });
    });
  });

  describe('image', () => {
    it('a new tag is low; trading a digest for a tag is medium', () => {
      const before = payments(fixture()).image;
      expect(before).toMatch(/:4\.0\.0@sha256:/);
      expect(
        changesAfter((s) => (payments(s).image = `registry.acme.example/shop/payments:4.1.0@${DIGEST}`)),
      ).toEqual([
        {
          kind: 'image',
          subject: 'shop/payments',
          before,
          after: `registry.acme.example/shop/payments:4.1.0@${DIGEST}`,
          risk: 'low',
        },
      ]);
      expect(
        changesAfter((s) => (payments(s).image = 'registry.acme.example/shop/payments:4.1.0')),
      ).toMatchObject([{ kind: 'image', risk: 'medium' }]);
      const tagOnly = fixture();
      payments(tagOnly).image = 'registry.acme.example/shop/payments:4.0.0';
      expect(changesOf(tagOnly, fixture())[0]).toMatchObject({ kind: 'image', risk: 'low' });
    });
  });

  it('a new workload is low; its grants are reported beside it', () => {
    const changes = changesAfter((s) => {
      s.systems[0].services.refunds = {
        image: 'registry.acme.example/shop/refunds:1.0.0',
        port: 8080,
        database: 'readonly',
      };
    });
    expect(changes.map((c) => [c.kind, c.subject, c.risk])).toEqual([
      ['workload', 'shop/refunds', 'low'],
      ['database', 'shop/refunds', 'medium'],
    ]);
  });

  it('env values are config, info', () => {
    expect(changesAfter((s) => (orders(s).env.LOG_LEVEL = 'info'))).toEqual([
      { kind: 'env', subject: 'shop/orders LOG_LEVEL', before: 'debug', after: 'info', risk: 'info' },
    ]);
  });

  describe('sizing', () => {
    it('fewer replicas are low, more are info', () => {
      expect(changesAfter((s) => (payments(s).replicas = 3))).toEqual([
        { kind: 'replicas', subject: 'shop/payments', before: 1, after: 3, risk: 'info' },
      ]);
      const three = fixture();
      payments(three).replicas = 3;
      expect(changesOf(three, fixture())[0]).toMatchObject({ kind: 'replicas', risk: 'low' });
    });

    it('a lower autoscaling minimum is low, a higher maximum info', () => {
      expect(changesAfter((s) => (orders(s).autoscaling = { min: 1, max: 5 }))[0]).toMatchObject({
        kind: 'autoscaling',
        risk: 'low',
      });
      expect(changesAfter((s) => (orders(s).autoscaling = { min: 2, max: 9 }))).toEqual([
        {
          kind: 'autoscaling',
          subject: 'shop/orders',
          before: { min: 2, max: 5, targetCpuPercent: 70 },
          after: { min: 2, max: 9, targetCpuPercent: 70 },
          risk: 'info',
        },
      ]);
    });

    it('lower resources are low, higher ones info', () => {
      expect(changesAfter((s) => (payments(s).resources = { limits: { memory: '128Mi' } }))[0]).toMatchObject(
        {
          kind: 'resources',
          risk: 'low',
        },
      );
      expect(changesAfter((s) => (payments(s).resources = { limits: { memory: '4Gi' } }))[0]).toMatchObject({
        kind: 'resources',
        risk: 'info',
      });
    });

    it('fewer database instances are medium, more info', () => {
      const override = (instances: number) => (s: Sides) =>
        ((s.environment as any).overrides = { shop: { database: { instances } } });
      expect(changesAfter(override(3))).toEqual([
        { kind: 'database.instances', subject: 'shop', before: 1, after: 3, risk: 'info' },
      ]);
      const three = fixture();
      override(3)(three);
      expect(changesOf(three, fixture())[0]).toMatchObject({ risk: 'medium' });
    });

    it('shrinking database storage is high (volumes do not shrink), growing it info', () => {
      expect(changesAfter((s) => (s.systems[0].database = { storage: '500Mi' }))).toEqual([
        { kind: 'database.storage', subject: 'shop', before: '1Gi', after: '500Mi', risk: 'high' },
      ]);
      expect(changesAfter((s) => (s.systems[0].database = { storage: '10Gi' }))[0]).toMatchObject({
        risk: 'info',
      });
    });

    it('fewer partitions are high (Kafka cannot remove them), more info', () => {
      expect(changesAfter((s) => (s.systems[0].topics = { 'order-events': { partitions: 12 } }))).toEqual([
        { kind: 'topic.partitions', subject: 'shop/order-events', before: 3, after: 12, risk: 'info' },
      ]);
      expect(
        changesAfter((s) => (s.systems[0].topics = { 'order-events': { partitions: 1 } }))[0],
      ).toMatchObject({
        risk: 'high',
      });
    });
  });

  describe('environment', () => {
    const enforce =
      (enforcement: string, rules: Record<string, string> = {}) =>
      (s: Sides) =>
        ((s.environment as any).policy = { ...s.environment.policy, enforcement, rules });

    it('a rule moved from deny to warn is high, warn to dryrun medium, tightening low', () => {
      const deny = fixture();
      enforce('deny')(deny);
      const warn = fixture();
      enforce('deny', { 'pinned-images': 'warn' })(warn);
      expect(changesOf(deny, warn)).toEqual([
        { kind: 'policy', subject: 'pinned-images', before: 'deny', after: 'warn', risk: 'high' },
      ]);
      expect(changesOf(warn, deny)[0]).toMatchObject({ before: 'warn', after: 'deny', risk: 'low' });
      const dryrun = fixture();
      enforce('deny', { 'pinned-images': 'dryrun' })(dryrun);
      expect(changesOf(warn, dryrun)[0]).toMatchObject({ before: 'warn', after: 'dryrun', risk: 'medium' });
    });

    it('the environment-wide enforcement changes every rule', () => {
      const deny = fixture();
      enforce('deny')(deny);
      const changes = changesOf(fixture(), deny);
      expect(changes.length).toBeGreaterThan(5);
      expect(changes.every((c) => c.kind === 'policy' && c.before === 'dryrun' && c.risk === 'low')).toBe(
        true,
      );
    });

    it('permissive mTLS is high, strict low', () => {
      const permissive = (s: Sides) =>
        ((s.environment as any).mesh = { ...s.environment.mesh, mtls: 'PERMISSIVE' });
      expect(changesAfter(permissive)).toEqual([
        { kind: 'mesh.mtls', subject: 'mesh', before: 'STRICT', after: 'PERMISSIVE', risk: 'high' },
      ]);
      const loose = fixture();
      permissive(loose);
      expect(changesOf(loose, fixture())[0]).toMatchObject({ risk: 'low' });
    });

    it('an allowed registry added is medium, removed low', () => {
      const more = (s: Sides) =>
        ((s.environment as any).policy = {
          ...s.environment.policy,
          allowedRegistries: [...s.environment.policy.allowedRegistries, 'docker.io/'],
        });
      expect(changesAfter(more)).toEqual([
        { kind: 'registry', subject: 'docker.io/', before: null, after: 'allowed', risk: 'medium' },
      ]);
      const wide = fixture();
      more(wide);
      expect(changesOf(wide, fixture())[0]).toMatchObject({ risk: 'low' });
    });
  });
});
