import * as path from 'node:path';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { dev } from '../../environments';
import { deriveEphemeral } from '../../environments/ephemeral';
import { addressVariable, parseFleet, resolve } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { chartObjects, find } from '../constructs/system-objects';
import { fleetProblems as problems } from './fleet-problems';

const fleet = [commerce, fulfillment, identity];

function addresses(env: unknown, system: string, workload: string): Record<string, string> {
  const parsed = parseFleet(fleet, [env]);
  const resolved = resolve(parsed.byName.get(system)!, parsed.environments[0], parsed);
  const w = [...resolved.services, ...resolved.jobs].find((x) => x.name === workload)!;
  return Object.fromEntries(w.addresses.map((a) => [a.name, a.value]));
}

describe('addresses from calls', () => {
  it('gives each caller <CALLEE>_ADDR on the Service port, fully qualified across systems', () => {
    expect(addresses(dev, 'commerce', 'cart')).toEqual({
      CART_CACHE_ADDR: 'cart-cache:6379',
      CATALOG_ADDR: 'catalog:80',
      IDENTITY_SESSIONS_ADDR: 'sessions.identity.svc.cluster.local:9000',
    });
    expect(addresses(dev, 'commerce', 'settle-payments')).toEqual({ ORDERS_ADDR: 'orders:8080' });
  });

  it("follows an ephemeral environment's namespaces and the environment's cluster domain", () => {
    const pr = deriveEphemeral(
      { ...dev, cluster: { ...dev.cluster, dnsDomain: 'k8s.acme.internal' } },
      {
        name: 'pr-9',
        createdAt: new Date('2026-01-01T00:00:00Z'),
      },
    );
    expect(addresses(pr, 'fulfillment', 'shipments')).toEqual({
      CARRIERS_ADDR: 'carriers:8080',
      COMMERCE_ORDERS_ADDR: 'orders.commerce-pr-9.svc.k8s.acme.internal:8080',
    });
  });

  it('writes them into the container beside the declared env', () => {
    const parsed = parseFleet(fleet, [dev]);
    const objects = chartObjects(resolve(parsed.byName.get('commerce')!, parsed.environments[0], parsed));
    const env = find(objects, 'Deployment', 'orders').spec.template.spec.containers[0].env;
    expect(env).toEqual(
      expect.arrayContaining([
        { name: 'CATALOG_ADDR', value: 'catalog:80' },
        { name: 'IDENTITY_ACCOUNTS_ADDR', value: 'accounts.identity.svc.cluster.local:8080' },
        { name: 'PAYMENTS_ADDR', value: 'payments:8443' },
      ]),
    );
    expect(find(objects, 'Deployment', 'catalog').spec.template.spec.containers[0].env).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ name: expect.stringMatching(/_ADDR$/) })]),
    );
  });

  it('names a callee of another system with its system, so same-named services never clash', () => {
    expect(addressVariable('commerce', { system: 'commerce', service: 'cart-cache' })).toBe(
      'CART_CACHE_ADDR',
    );
    expect(addressVariable('commerce', { system: 'identity', service: 'sessions' })).toBe(
      'IDENTITY_SESSIONS_ADDR',
    );
  });

  it('fails on hand-written addresses that name an uncalled service or the wrong port, each at its path', () => {
    expect(
      problems(loadDeclarations(path.join(__dirname, '../fixtures/hand-written-addresses.yaml'))),
    ).toEqual([
      'store.jobs.reindex.env.TARGET: "http://catalog" points at store/catalog, which this workload does not call; add "catalog" to calls (syskit then sets CATALOG_ADDR) or remove the value',
      'store.services.cart.env.CATALOG_ADDR: syskit sets CATALOG_ADDR from calls ("catalog"); leave it out',
      'store.services.cart.env.CATALOG_URL: "http://catalog:8080" uses port 8080, but store/catalog is reached on port 80; use CATALOG_ADDR, which syskit sets from calls',
      'store.services.cart.env.PRICING_ADDR: "pricing.billing.svc.cluster.local:9000" points at billing/pricing, which this workload does not call; add "billing/pricing" to calls (syskit then sets BILLING_PRICING_ADDR) or remove the value',
    ]);
  });

  it('fails on an environment override pointing at a service the workload does not call', () => {
    const env = {
      ...dev,
      overrides: { commerce: { services: { catalog: { env: { ORDERS: 'orders.commerce:8080' } } } } },
    };
    expect(problems(fleet, [env])).toEqual([
      'environments.dev.overrides.commerce.services.catalog.env.ORDERS: "orders.commerce:8080" points at commerce/orders, which this workload does not call; add "orders" to calls (syskit then sets ORDERS_ADDR) or remove the value',
    ]);
  });

  it('fails on two callees that would share one variable', () => {
    const clash = {
      name: 'identity-x',
      owner: 'x-team',
      description: 'x',
      services: {
        'identity-sessions': { image: 'registry.acme.example/x/a:1.0.0', port: 8080 },
        caller: {
          image: 'registry.acme.example/x/b:1.0.0',
          port: 8080,
          calls: ['identity-sessions', 'identity/sessions'],
        },
      },
    };
    // `identity-x/identity-sessions` is IDENTITY_SESSIONS_ADDR here, and so is `identity/sessions`.
    expect(problems([...fleet, clash])).toEqual([
      'identity-x.services.caller.calls[1]: "identity/sessions" would get the variable IDENTITY_SESSIONS_ADDR, which calls[0] ("identity-sessions") already has; rename one of the services',
    ]);
  });

  it('leaves values alone that point outside the fleet or are plain words', () => {
    const quiet = {
      ...commerce,
      services: {
        ...commerce.services,
        catalog: {
          ...commerce.services.catalog,
          env: { LOG: 'orders', SMTP: 'smtp.acme.example:587', DOCS: 'https://payments.example/v1' },
        },
      },
    };
    expect(problems([quiet, fulfillment, identity])).toEqual([]);
  });
});
