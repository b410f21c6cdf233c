import { callGraph, toMermaid } from '../../cli/graph';
import { main } from '../../cli/main';
import { parseFleet, resolve } from '../../model';
import dev from '../../environments/dev';
import { accounts, shop } from '../fixtures/fleet';

function graphOf(focus?: string[]) {
  const fleet = parseFleet([shop, accounts], [dev]);
  return callGraph(
    fleet.systems.map((s) => resolve(s, fleet.environments[0], fleet)),
    focus ? new Set(focus) : undefined,
  );
}

describe('syskit graph', () => {
  it('lists services, calls (jobs included) and routes, sorted', () => {
    expect(graphOf()).toEqual({
      services: ['accounts/profiles', 'shop/nightly', 'shop/orders', 'shop/payments'],
      calls: [
        ['shop/nightly', 'shop/payments'],
        ['shop/orders', 'accounts/profiles'],
        ['shop/orders', 'shop/payments'],
      ],
      routes: [{ service: 'shop/orders', host: 'shop.dev.acme.example', path: '/v1/orders', auth: 'jwt' }],
    });
  });

  it('keeps only what touches the focused systems, callers from elsewhere included', () => {
    expect(graphOf(['accounts'])).toEqual({
      services: ['accounts/profiles', 'shop/orders'],
      calls: [['shop/orders', 'accounts/profiles']],
      routes: [],
    });
  });

  it('draws a Mermaid flowchart with one subgraph per system', () => {
    const text = toMermaid(graphOf());
    expect(text.split('\n')).toEqual([
      'flowchart LR',
      '  gateway(("Kong gateway"))',
      '  subgraph sys_accounts ["accounts"]',
      '    svc_accounts_2fprofiles["profiles"]',
      '  end',
      '  subgraph sys_shop ["shop"]',
      '    svc_shop_2fnightly["nightly"]',
      '    svc_shop_2forders["orders"]',
      '    svc_shop_2fpayments["payments"]',
      '  end',
      '  gateway -->|"shop.dev.acme.example/v1/orders (jwt)"| svc_shop_2forders',
      '  svc_shop_2fnightly --> svc_shop_2fpayments',
      '  svc_shop_2forders --> svc_accounts_2fprofiles',
      '  svc_shop_2forders --> svc_shop_2fpayments',
    ]);
  });

  it('prints JSON for the example systems and refuses an unknown format', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await main(['graph', '--env', 'prod', '--format', 'json'], io)).toBe(0);
    const graph = JSON.parse(out[0]);
    expect(graph.calls).toContainEqual(['fulfillment/shipments', 'commerce/orders']);
    expect(graph.routes).toContainEqual({
      service: 'commerce/catalog',
      host: 'shop.acme.example',
      path: '/v1/products',
      auth: 'none',
    });
    expect(await main(['graph', '--env', 'prod', '--format', 'dot'], io)).toBe(2);
    expect(err.pop()).toBe('syskit: --format expects mermaid or json, got "dot"');
  });

  it('gives names that differ only in where the dash and the slash sit different node ids', () => {
    const text = toMermaid({
      services: ['commerce-x/y', 'commerce/x-y'],
      calls: [['commerce-x/y', 'commerce/x-y']],
      routes: [],
    });
    expect(text).toContain('svc_commerce_2dx_2fy["y"]');
    expect(text).toContain('svc_commerce_2fx_2dy["x-y"]');
    expect(text).toContain('svc_commerce_2dx_2fy --> svc_commerce_2fx_2dy');
  });
});
