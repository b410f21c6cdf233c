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
    expect(mermaid).toContain('  class svc_commerce_2fpayments target');
    expect(mermaid).toContain(
      '  class svc_commerce_2forders,svc_commerce_2fsettle_2dpayments,svc_fulfillment_2fshipments,svc_fulfillment_2fnotifications affected',
    );
    expect(mermaid).toContain(
      '  svc_commerce_2fpayments -.->|"payment-events"| svc_fulfillment_2fnotifications',
    );
  });

  it('colours and links only nodes the drawn graph declares', () => {
    const mermaid = impactMermaid(systems, impactOf(systems, 'commerce/payments', 'prod'));
    const declared = new Set([...mermaid.matchAll(/^ {4}(\w+)[[{]/gm)].map((m) => m[1]));
    const used = [
      ...[...mermaid.matchAll(/^ {2}class (\S+) \w+$/gm)].flatMap((m) => m[1].split(',')),
      ...[...mermaid.matchAll(/^ {2}(\w+) -\.->\|"[^"]*"\| (\w+)$/gm)].flatMap((m) => [m[1], m[2]]),
    ];
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((id) => !declared.has(id))).toEqual([]);
  });
});
