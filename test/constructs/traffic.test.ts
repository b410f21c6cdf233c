import { SystemChart } from '../../constructs/system-chart';
import { testApp } from '../cdk8s';
import { PlatformChart } from '../../constructs/platform-chart';
import { parseFleet, resolve } from '../../model';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { accounts, shop } from '../fixtures/fleet';

function systemObjects(name: 'shop' | 'accounts', env: any = dev): any[] {
  const fleet = parseFleet([shop, accounts], [env]);
  return new SystemChart(testApp(), name, {
    system: resolve(fleet.byName.get(name)!, fleet.environments[0], fleet),
  }).toJson();
}

const find = (objects: any[], kind: string, name: string) => {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found)
    throw new Error(
      `no ${kind}/${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`,
    );
  return found;
};

describe('network policies from the call graph', () => {
  it('admits a service only from its declared callers, the gateway for routes, and Prometheus for metrics', () => {
    const objects = systemObjects('shop');
    expect(find(objects, 'NetworkPolicy', 'payments-ingress').spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'nightly' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9000 }],
      },
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9000 }],
      },
    ]);
    const orders = find(objects, 'NetworkPolicy', 'orders-ingress').spec.ingress;
    expect(orders).toEqual([
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kong' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
        ports: [{ protocol: 'TCP', port: 9090 }],
      },
    ]);
  });

  it('admits a caller from another system into the callee namespace', () => {
    const profiles = find(systemObjects('accounts'), 'NetworkPolicy', 'profiles-ingress').spec.ingress;
    expect(profiles).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });

  it('lets a workload out only to its callees, database, Kafka, Vault, the collector and the mesh', () => {
    const egress = find(systemObjects('shop'), 'NetworkPolicy', 'orders-egress').spec.egress;
    const targets = egress.map((r: any) => {
      const to = r.to?.[0] ?? {};
      const ns = to.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'] ?? '';
      const pod = to.podSelector ? Object.values(to.podSelector.matchLabels)[0] : '*';
      return `${ns}/${pod}:${r.ports.map((p: any) => p.port).join(',')}`;
    });
    expect(targets).toEqual([
      'accounts/profiles:8080',
      'shop/payments:9000',
      '/shop-db:5432',
      'kafka/*:9093',
      'vault/*:8200',
      'observability/*:4317',
      'istio-system/*:15012',
    ]);
  });

  it('does not open the database, Kafka or Vault to a workload that declared none of them', () => {
    const egress = find(systemObjects('shop'), 'NetworkPolicy', 'payments-egress').spec.egress;
    const namespaces = egress.map(
      (r: any) => r.to?.[0]?.namespaceSelector?.matchLabels['kubernetes.io/metadata.name'],
    );
    expect(namespaces).toEqual(['observability', 'istio-system']);
  });

  it('admits into the database only the workloads that declared access, and through the pooler in prod', () => {
    const devDb = find(systemObjects('shop'), 'NetworkPolicy', 'shop-db-ingress').spec.ingress[0];
    expect(devDb.from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } }]);
    const prodObjects = systemObjects('shop', prod);
    expect(find(prodObjects, 'NetworkPolicy', 'shop-db-ingress').spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } },
      { podSelector: { matchLabels: { 'cnpg.io/poolerName': 'shop-db-pooler' } } },
    ]);
    expect(find(prodObjects, 'NetworkPolicy', 'shop-db-pooler-ingress').spec.ingress[0].from).toEqual([
      { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } },
    ]);
  });
});

describe('mesh security', () => {
  it('requires mTLS and denies every request not explicitly allowed', () => {
    const objects = systemObjects('shop');
    expect(find(objects, 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find(objects, 'AuthorizationPolicy', 'deny-all').spec).toEqual({});
  });

  it('allows exactly the callers service accounts, and the gateway on routed paths', () => {
    const objects = systemObjects('shop');
    expect(find(objects, 'AuthorizationPolicy', 'payments-allow').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } },
      action: 'ALLOW',
      rules: [
        {
          from: [
            {
              source: { principals: ['cluster.local/ns/shop/sa/nightly', 'cluster.local/ns/shop/sa/orders'] },
            },
          ],
          to: [{ operation: { ports: ['9000'] } }],
        },
      ],
    });
    const orders = find(objects, 'AuthorizationPolicy', 'orders-allow').spec.rules;
    expect(orders[0]).toEqual({
      from: [{ source: { principals: ['cluster.local/ns/kong/sa/kong-gateway'] } }],
      to: [
        { operation: { paths: ['/v1/orders', '/v1/orders/*'], ports: ['8080'], methods: ['GET', 'POST'] } },
      ],
    });
  });

  it('lets the gateway through for a path prefix written with a trailing slash, as Gateway API matches it', () => {
    const slashed = {
      ...shop,
      services: {
        ...shop.services,
        orders: { ...shop.services.orders, routes: [{ host: 'shop', path: '/v1/orders/' }] },
      },
    };
    const fleet = parseFleet([slashed, accounts], [dev]);
    const objs = new SystemChart(testApp(), 'shop', {
      system: resolve(fleet.byName.get('shop')!, fleet.environments[0], fleet),
    }).toJson();
    const rule = find(objs, 'AuthorizationPolicy', 'orders-allow').spec.rules[0];
    expect(rule.to[0].operation.paths).toEqual(['/v1/orders', '/v1/orders/*']);
  });

  it('writes Linkerd servers and authorizations with the same callers when the environment uses Linkerd', () => {
    const objects = systemObjects('shop', { ...dev, mesh: { provider: 'linkerd', mtls: 'STRICT' } });
    expect(objects.filter((o) => o.apiVersion.startsWith('security.istio.io'))).toEqual([]);
    expect(find(objects, 'Namespace', 'shop').metadata.annotations).toMatchObject({
      'linkerd.io/inject': 'enabled',
      'config.linkerd.io/default-inbound-policy': 'deny',
    });
    expect(find(objects, 'MeshTLSAuthentication', 'payments-callers').spec.identities).toEqual([
      'nightly.shop.serviceaccount.identity.linkerd.cluster.local',
      'orders.shop.serviceaccount.identity.linkerd.cluster.local',
    ]);
    expect(find(objects, 'AuthorizationPolicy', 'payments-allow').spec.targetRef).toEqual({
      group: 'policy.linkerd.io',
      kind: 'Server',
      name: 'payments',
    });
    expect(find(objects, 'Server', 'payments').spec).toMatchObject({ port: 9000, proxyProtocol: 'gRPC' });
  });
});

describe('gateway routes', () => {
  it('attaches an HTTPRoute to the platform gateway with the route host, path and methods', () => {
    const route = find(systemObjects('shop'), 'HTTPRoute', 'orders-v1-orders');
    expect(route.spec.parentRefs).toEqual([
      {
        group: 'gateway.networking.k8s.io',
        kind: 'Gateway',
        namespace: 'kong',
        name: 'kong',
        sectionName: 'https',
      },
    ]);
    expect(route.spec.hostnames).toEqual(['shop.dev.acme.example']);
    expect(route.spec.rules[0].matches).toEqual([
      { path: { type: 'PathPrefix', value: '/v1/orders' }, method: 'GET' },
      { path: { type: 'PathPrefix', value: '/v1/orders' }, method: 'POST' },
    ]);
    expect(route.metadata.annotations['konghq.com/plugins']).toBe(
      'orders-v1-orders-jwt,orders-v1-orders-rate-limit,orders-v1-orders-size-limit',
    );
  });

  it('validates JWTs unless a route says auth none', () => {
    const objects = systemObjects('shop');
    expect(find(objects, 'KongPlugin', 'orders-v1-orders-jwt')).toMatchObject({
      plugin: 'jwt',
      config: { key_claim_name: 'iss', claims_to_verify: ['exp'] },
    });
    const open = {
      ...shop,
      services: {
        ...shop.services,
        orders: {
          ...shop.services.orders,
          routes: [{ host: 'shop', path: '/v1/orders', auth: 'none' as const }],
        },
      },
    };
    const fleet = parseFleet([open, accounts], [dev]);
    const objs = new SystemChart(testApp(), 'shop', {
      system: resolve(fleet.byName.get('shop')!, fleet.environments[0], fleet),
    }).toJson();
    expect(objs.filter((o: any) => o.kind === 'KongPlugin' && o.plugin === 'jwt')).toEqual([]);
  });
});

describe('PlatformChart', () => {
  const objects = (): any[] => {
    const env = parseFleet([], [prod]).environments[0];
    return new PlatformChart(testApp(), 'platform', {
      environment: env,
      hostnames: ['shop.acme.example'],
    }).toJson();
  };

  it('writes the Kong gateway with an HTTPS listener for the domain, open to system namespaces only', () => {
    const gateway = find(objects(), 'Gateway', 'kong');
    expect(gateway.metadata.namespace).toBe('kong');
    expect(gateway.spec.listeners[0]).toMatchObject({
      name: 'https',
      protocol: 'HTTPS',
      port: 443,
      hostname: '*.acme.example',
      tls: { certificateRefs: [{ kind: 'Secret', name: 'gateway-tls' }] },
      allowedRoutes: {
        namespaces: {
          from: 'Selector',
          selector: { matchExpressions: [{ key: 'syskit.io/system', operator: 'Exists' }] },
        },
      },
    });
    expect(gateway.spec.infrastructure.annotations['service.beta.kubernetes.io/aws-load-balancer-type']).toBe(
      'nlb',
    );
  });

  it('asks cert-manager for the routed hostnames from the environment issuer', () => {
    const cert = find(objects(), 'Certificate', 'gateway');
    expect(cert.spec).toMatchObject({
      secretName: 'gateway-tls',
      issuerRef: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
      dnsNames: ['shop.acme.example'],
    });
    expect(find(objects(), 'ClusterIssuer', 'letsencrypt-prod').metadata.namespace).toBeUndefined();
  });

  it('sets mesh-wide mTLS and one constraint per rule with the environment enforcement', () => {
    const all = objects();
    expect(find(all, 'PeerAuthentication', 'default').metadata.namespace).toBe('istio-system');
    const constraints = all.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
    const templates = all.filter((o) => o.kind === 'ConstraintTemplate');
    expect(constraints.length).toBe(templates.length);
    expect(constraints.length).toBeGreaterThanOrEqual(13);
    for (const c of constraints) expect(c.spec.enforcementAction).toBe('deny');
  });

  it('keeps the identity provider key out of system namespaces', () => {
    const secrets = objects().filter((o) => o.kind === 'Secret');
    expect(secrets.map((s) => `${s.metadata.namespace}/${s.metadata.name}`)).toEqual([
      'kong/identity-provider-jwt',
    ]);
    expect(secrets[0].stringData.rsa_public_key).toContain('BEGIN PUBLIC KEY');
  });
});
