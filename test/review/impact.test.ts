import { resolve } from '../../model';
import { impactMermaid, impactOf, UnknownTargetError } from '../../review/impact';
import { plan } from '../../synth/engine';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../../synth/load';

/** The example systems of charts/, resolved in prod. */
function examples() {
  const { fleet, environments } = plan(
    loadDeclarations(DEFAULT_SYSTEMS),
    loadDeclarations(DEFAULT_ENVIRONMENTS),
    {
      environments: ['prod'],
    },
  );
  return fleet.systems.map((s) => resolve(s, environments[0], fleet));
}

describe('impact', () => {
  const systems = examples();

  it('lists exactly the transitive callers of an example service, nearest first', () => {
    // payments <- orders <- {settle-payments (job), shipments}
    const impact = impactOf(systems, 'commerce/payments', 'prod');
    expect(impact.callers).toEqual([
      { workload: 'commerce/orders', kind: 'service', owner: 'commerce-team', distance: 1 },
      { workload: 'commerce/settle-payments', kind: 'job', owner: 'commerce-team', distance: 2 },
      { workload: 'fulfillment/shipments', kind: 'service', owner: 'logistics-team', distance: 2 },
    ]);
    expect(impact.jobs).toEqual(['commerce/settle-payments']);
    expect(impact.routes.map((r) => `${r.host}${r.path}`)).toEqual([
      'shop.acme.example/v1/orders',
      'shop.acme.example/v1/shipments',
    ]);
    expect(impact.hosts).toEqual(['shop.acme.example']);
  });

  it('names the consumers of the topics the target publishes, and every owner', () => {
    const impact = impactOf(systems, 'commerce/payments', 'prod');
    expect(impact.consumers.map((c) => c.workload)).toEqual(['commerce/orders', 'fulfillment/notifications']);
    expect(impact.owners).toEqual(['commerce-team', 'logistics-team']);
  });

  it('for a whole system, counts only callers outside it', () => {
    const impact = impactOf(systems, 'identity', 'prod');
    expect(impact.services).toEqual(['identity/accounts', 'identity/sessions']);
    expect(impact.callers.map((c) => c.workload)).toEqual([
      'commerce/cart',
      'commerce/orders',
      'fulfillment/notifications',
      'commerce/settle-payments',
      'fulfillment/shipments',
    ]);
  });

  it('a service nobody calls affects only its own routes', () => {
    const impact = impactOf(systems, 'fulfillment/notifications', 'prod');
    expect(impact.callers).toEqual([]);
    expect(impact.routes).toEqual([]);
  });

  it('fails on an unknown system or service, with a suggestion', () => {
    expect(() => impactOf(systems, 'commerce/payment', 'prod')).toThrow(
      new UnknownTargetError('unknown service "payment" in system "commerce" (did you mean "payments"?)'),
    );
    expect(() => impactOf(systems, 'comerce', 'prod')).toThrow(
      /unknown system "comerce" \(did you mean "commerce"\?\)/,
    );
  });

  it('highlights the target and what it affects in Mermaid', () => {
    const mermaid = impactMermaid(systems, impactOf(systems, 'commerce/payments', 'prod'));
    expect(mermaid).toMatch(/^flowchart LR/);
    expect(mermaid).toContain('  class commerce_payments target');
    expect(mermaid).toContain(
      '  class commerce_orders,commerce_settle_payments,fulfillment_shipments,fulfillment_notifications affected',
    );
    expect(mermaid).toContain('  commerce_payments -.->|"payment-events"| fulfillment_notifications');
  });
});
