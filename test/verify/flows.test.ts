import { expectedFlows } from '../../verify';
import { nodeFleet } from './node-fleet';

const flows = expectedFlows(nodeFleet(), { outside: '10.243.0.1:18080' });
const expectation = (source: string, target: string) =>
  flows.filter((f) => f.source.id === source && f.target.id === target).map((f) => f.expect);

describe('expectedFlows', () => {
  it('expects every declared call to connect', () => {
    expect(expectation('shop/storefront', 'shop/orders')).toEqual(['open']);
    expect(expectation('shop/orders', 'shop/payments')).toEqual(['open']);
    expect(expectation('shop/orders', 'ledger/entries')).toEqual(['open']);
    expect(expectation('shop/reconcile', 'shop/orders')).toEqual(['open']);
  });

  it('expects every undeclared service of the fleet and of the same namespace to be refused', () => {
    expect(expectation('shop/storefront', 'shop/payments')).toEqual(['closed']);
    expect(expectation('shop/storefront', 'ledger/entries')).toEqual(['closed']);
    expect(expectation('ledger/entries', 'ledger/audit')).toEqual(['closed']);
    expect(expectation('ledger/audit', 'shop/orders')).toEqual(['closed']);
    expect(expectation('shop/reconcile', 'shop/payments')).toEqual(['closed']);
  });

  it('does not probe a workload against its own service', () => {
    expect(expectation('shop/orders', 'shop/orders')).toEqual([]);
  });

  it('expects the gateway to reach exactly the services with routes', () => {
    expect(expectation('gateway', 'shop/storefront')).toEqual(['open']);
    for (const other of ['shop/orders', 'shop/payments', 'ledger/entries', 'ledger/audit'])
      expect(expectation('gateway', other)).toEqual(['closed']);
    expect(flows.find((f) => f.source.id === 'gateway')!.source.namespace).toBe('kong');
  });

  it('expects DNS to resolve and the outside address to be refused from every workload', () => {
    const workloads = [
      'shop/storefront',
      'shop/orders',
      'shop/payments',
      'shop/reconcile',
      'ledger/entries',
      'ledger/audit',
    ];
    for (const w of workloads) {
      expect(expectation(w, 'dns')).toEqual(['open']);
      expect(expectation(w, 'outside 10.243.0.1:18080')).toEqual(['closed']);
    }
  });

  it('leaves the outside address out unless asked', () => {
    expect(expectedFlows(nodeFleet()).some((f) => f.target.kind === 'outside')).toBe(false);
  });

  it('takes jobs from their CronJob and services from their Deployment', () => {
    const reconcile = flows.find((f) => f.source.id === 'shop/reconcile')!.source;
    expect(reconcile.workload).toEqual({ kind: 'CronJob', name: 'reconcile' });
    expect(flows.find((f) => f.source.id === 'ledger/audit')!.source).toMatchObject({
      namespace: 'ledger',
      workload: { kind: 'Deployment', name: 'audit' },
    });
  });
});
