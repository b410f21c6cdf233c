import { parseFleet, resolve } from '../../model';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { accounts, resolveFixture, shop } from '../fixtures/fleet';

describe('resolve', () => {
  it('applies the environment defaults where the service says nothing', () => {
    const payments = resolveFixture('shop', 'prod').services.find((s) => s.name === 'payments')!;
    expect(payments.replicas).toBe(3);
    expect(payments.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi', ephemeralStorage: '128Mi' },
      limits: { cpu: '2', memory: '2Gi', ephemeralStorage: '1Gi' },
    });
  });

  it('merges service resources over system overrides over environment defaults, field by field', () => {
    const env = {
      ...prod,
      overrides: {
        shop: {
          resources: { limits: { cpu: '3' } },
          services: {
            payments: { replicas: 5, resources: { requests: { memory: '1Gi', ephemeralStorage: '256Mi' } } },
          },
        },
      },
    };
    const fleet = parseFleet([shop, accounts], [env]);
    const payments = resolve(fleet.byName.get('shop')!, fleet.environments[0], fleet).services.find(
      (s) => s.name === 'payments',
    )!;
    expect(payments.replicas).toBe(5);
    expect(payments.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi', ephemeralStorage: '256Mi' },
      limits: { cpu: '3', memory: '2Gi', ephemeralStorage: '1Gi' },
    });
  });

  it('takes autoscaling min as the starting replica count', () => {
    const orders = resolveFixture('shop', 'dev').services.find((s) => s.name === 'orders')!;
    expect(orders.autoscaling).toEqual({ min: 2, max: 5, targetCpuPercent: 70 });
    expect(orders.replicas).toBe(2);
  });

  it('resolves calls in both directions, across systems', () => {
    const fleet = parseFleet([shop, accounts], [dev]);
    const shopResolved = resolve(fleet.byName.get('shop')!, fleet.environments[0], fleet);
    const orders = shopResolved.services.find((s) => s.name === 'orders')!;
    expect(orders.calls.map((c) => `${c.namespace}/${c.service}:${c.port}`)).toEqual([
      'accounts/profiles:8080',
      'shop/payments:9000',
    ]);
    const payments = shopResolved.services.find((s) => s.name === 'payments')!;
    expect(payments.callers.map((c) => `${c.namespace}/${c.serviceAccount}`)).toEqual([
      'shop/nightly',
      'shop/orders',
    ]);
    const profiles = resolve(fleet.byName.get('accounts')!, fleet.environments[0], fleet).services[0];
    expect(profiles.callers.map((c) => `${c.namespace}/${c.serviceAccount}`)).toEqual(['shop/orders']);
  });

  it('qualifies route hosts with the environment domain', () => {
    const orders = resolveFixture('shop', 'prod').services.find((s) => s.name === 'orders')!;
    expect(orders.routes).toEqual([
      {
        host: 'shop.acme.example',
        path: '/v1/orders',
        methods: ['GET', 'POST'],
        auth: 'jwt',
        rateLimitPerMinute: 600,
        corsOrigins: undefined,
        maxBodyMegabytes: 8,
      },
    ]);
  });

  it('labels every object with system, environment and owner', () => {
    expect(resolveFixture('shop', 'dev').labels).toEqual({
      'app.kubernetes.io/managed-by': 'syskit',
      'app.kubernetes.io/part-of': 'shop',
      'syskit.io/environment': 'dev',
      'syskit.io/owner': 'shop-team',
      'syskit.io/system': 'shop',
    });
  });

  it('uses the environment database size unless the system overrides it', () => {
    expect(resolveFixture('shop', 'dev').database?.instances).toBe(1);
    expect(resolveFixture('shop', 'prod').database?.instances).toBe(3);
    expect(resolveFixture('shop', 'prod').database?.storageClass).toBe('gp3');
  });
});
