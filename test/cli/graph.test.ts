import { callGraph, toMermaid } from '../../cli/graph';
import { main } from '../../cli/main';
import { parseFleet, resolve, type SystemInput } from '../../model';
import dev from '../../environments/dev';
import { accounts, shop } from '../fixtures/fleet';

function graphOf(focus?: string[], systems: SystemInput[] = [shop, accounts]) {
  const fleet = parseFleet(systems, [dev]);
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
      egress: [],
    });
  });

  it('keeps only what touches the focused systems, callers from elsewhere included', () => {
    expect(graphOf(['accounts'])).toEqual({
      services: ['accounts/profiles', 'shop/orders'],
      calls: [['shop/orders', 'accounts/profiles']],
      routes: [],
      egress: [],
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
      egress: [],
    });
    expect(text).toContain('svc_commerce_2dx_2fy["y"]');
    expect(text).toContain('svc_commerce_2fx_2dy["x-y"]');
    expect(text).toContain('svc_commerce_2dx_2fy --> svc_commerce_2fx_2dy');
  });

  describe('egress outside the cluster', () => {
    // The payments service reaches a card processor, the nightly job a mail relay by wildcard.
    const withEgress: SystemInput = {
      ...shop,
      services: {
        ...shop.services,
        payments: {
          ...shop.services.payments,
          egress: [
            { host: 'api.cards.example', port: 443 },
            { host: '203.0.113.0/24', port: 8443, protocol: 'tls' },
          ],
        },
      },
      jobs: {
        nightly: { ...shop.jobs!.nightly, egress: [{ host: '*.mail.example', port: 465, protocol: 'tls' }] },
      },
    };

    it('lists each declared destination with its workload, port and protocol, sorted', () => {
      expect(graphOf(undefined, [withEgress, accounts]).egress).toEqual([
        { service: 'shop/nightly', host: '*.mail.example', port: 465, protocol: 'tls' },
        { service: 'shop/payments', host: '203.0.113.0/24', port: 8443, protocol: 'tls' },
        { service: 'shop/payments', host: 'api.cards.example', port: 443, protocol: 'https' },
      ]);
    });

    it('keeps only the destinations of workloads in the focused systems', () => {
      const focused = graphOf(['accounts'], [withEgress, accounts]);
      expect(focused.egress).toEqual([]);
      expect(focused.services).toEqual(['accounts/profiles', 'shop/orders']);
    });

    it('lists a workload whose only edge leads outside the cluster', () => {
      const lone: SystemInput = {
        name: 'mailer',
        owner: 'mail-team',
        description: 'Sends mail',
        services: {
          relay: {
            ...accounts.services.profiles,
            topics: undefined,
            egress: [{ host: 'smtp.example', port: 25, protocol: 'tcp' }],
          },
        },
      };
      const graph = graphOf(['mailer'], [lone]);
      expect(graph.services).toEqual(['mailer/relay']);
      expect(toMermaid(graph)).toContain('  svc_mailer_2frelay -->|"25/tcp"| ext_smtp_2eexample');
    });

    it('draws destinations as their own node kind, in a subgraph outside the systems', () => {
      const lines = toMermaid(graphOf(undefined, [withEgress, accounts])).split('\n');
      expect(lines.slice(lines.indexOf('  subgraph outside ["outside the cluster"]'))).toEqual([
        '  subgraph outside ["outside the cluster"]',
        '    ext__2a_2email_2eexample{{"*.mail.example"}}',
        '    ext_203_2e0_2e113_2e0_2f24{{"203.0.113.0/24"}}',
        '    ext_api_2ecards_2eexample{{"api.cards.example"}}',
        '  end',
        '  gateway -->|"shop.dev.acme.example/v1/orders (jwt)"| svc_shop_2forders',
        '  svc_shop_2fnightly --> svc_shop_2fpayments',
        '  svc_shop_2forders --> svc_accounts_2fprofiles',
        '  svc_shop_2forders --> svc_shop_2fpayments',
        '  svc_shop_2fnightly -->|"465/tls"| ext__2a_2email_2eexample',
        '  svc_shop_2fpayments -->|"8443/tls"| ext_203_2e0_2e113_2e0_2f24',
        '  svc_shop_2fpayments -->|"443/https"| ext_api_2ecards_2eexample',
      ]);
    });

    it('draws one node for a destination several workloads reach', () => {
      const text = toMermaid({
        services: ['a/x', 'b/y'],
        calls: [],
        routes: [],
        egress: [
          { service: 'a/x', host: 'api.example', port: 443, protocol: 'https' },
          { service: 'b/y', host: 'api.example', port: 443, protocol: 'https' },
        ],
      });
      expect(text.match(/ext_api_2eexample\{\{/g)).toHaveLength(1);
      expect(text).toContain('  svc_a_2fx -->|"443/https"| ext_api_2eexample');
      expect(text).toContain('  svc_b_2fy -->|"443/https"| ext_api_2eexample');
    });

    it('never gives a destination the id of a service, a system or the gateway', () => {
      // A system "ext" with a service "api.example" and a host spelled like a system's node id.
      const text = toMermaid({
        services: ['gateway/x', 'ext/api'],
        calls: [],
        routes: [],
        egress: [{ service: 'ext/api', host: 'gateway', port: 443, protocol: 'https' }],
      });
      const ids = [...text.matchAll(/^ +(?:subgraph )?(\w+) ?[([{]/gm)].map((m) => m[1]);
      expect(ids).toEqual([
        'gateway',
        'sys_gateway',
        'svc_gateway_2fx',
        'sys_ext',
        'svc_ext_2fapi',
        'outside',
        'ext_gateway',
      ]);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("prints the example systems' destinations in JSON", async () => {
      const out: string[] = [];
      const io = { out: (l: string) => out.push(l), err: () => undefined };
      expect(await main(['graph', '--env', 'prod', '--format', 'json'], io)).toBe(0);
      expect(JSON.parse(out[0]).egress).toContainEqual({
        service: 'commerce/payments',
        host: 'api.payments.example',
        port: 443,
        protocol: 'https',
      });
    });
  });
});
