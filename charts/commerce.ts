import { defineSystem } from '../model';

/** Catalog, carts, orders and payments behind one storefront API. */
export default defineSystem({
  name: 'commerce',
  owner: 'commerce-team',
  description: 'Product catalog, shopping cart, orders and payments',
  services: {
    catalog: {
      image:
        'registry.acme.example/commerce/catalog:3.2.0@sha256:a337d9e8be3aec4cb9048c027d3159e36051b110940b965e2689a95e8aef8a75',
      port: 8080,
      routes: [
        { host: 'shop', path: '/v1/products', methods: ['GET'], auth: 'none', rateLimitPerMinute: 1200 },
      ],
      database: 'readonly',
      metrics: {},
      replicas: 2,
      // Callers reach it on port 80; the container listens on 8080.
      servicePort: 80,
      probes: { readiness: { headers: { 'X-Probe': 'kubelet' }, timeoutSeconds: 2 } },
      env: { CACHE_TTL_SECONDS: '300' },
    },
    cart: {
      image:
        'registry.acme.example/commerce/cart:1.4.2@sha256:4ac0815738163a03b7ea3008314d7c0dc80b7826ca78ca640c77d8d634fd9a20',
      port: 8080,
      routes: [{ host: 'shop', path: '/v1/cart', corsOrigins: ['https://shop.acme.example'] }],
      calls: ['catalog', 'cart-cache', 'identity/sessions'],
      metrics: {},
      // Carts are written on every click; give in-flight requests time to finish on shutdown.
      terminationGracePeriodSeconds: 45,
    },
    // A Redis speaking plain TCP: probed by connecting, and the mesh relays its bytes untouched.
    'cart-cache': {
      image:
        'registry.acme.example/mirror/redis:7.2.4-alpine@sha256:1d5231d9b4b370ea275b2c8585f1b3b73f5a131e2d2806483b444da1e37957b9',
      port: 6379,
      protocol: 'tcp',
      // Carts outlive a restart: Redis appends every write to a file on the service's own volume
      // (a StatefulSet with a claim per replica); the root filesystem stays read-only.
      storage: { size: '1Gi', mountPath: '/data' },
      args: [
        '--dir',
        '/data',
        '--appendonly',
        'yes',
        '--save',
        '',
        '--maxmemory',
        '200mb',
        '--maxmemory-policy',
        'allkeys-lru',
      ],
      replicas: 1,
      probes: { liveness: { timeoutSeconds: 2, failureThreshold: 5 } },
      resources: { requests: { memory: '256Mi' }, limits: { memory: '256Mi' } },
    },
    orders: {
      image:
        'registry.acme.example/commerce/orders:5.0.3@sha256:278e0a583bd20b04e6c6e28c0bd77a5ce4fbecf135aabc7d43bff445d34bba3a',
      port: 8080,
      routes: [{ host: 'shop', path: '/v1/orders', methods: ['GET', 'POST'] }],
      calls: ['payments', 'catalog', 'identity/accounts'],
      database: 'readwrite',
      topics: { publishes: ['order-events'], consumes: ['payment-events'] },
      metrics: { port: 9090 },
      autoscaling: { min: 2, max: 10, targetCpuPercent: 65 },
      authz: { policy: 'policies/authz/orders.rego' },
    },
    payments: {
      image:
        'registry.acme.example/commerce/payments@sha256:4f9c1c2d6bd1f0b8f3b2e5f0d8a1c7e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0',
      port: 8443,
      protocol: 'grpc',
      database: 'readwrite',
      secrets: {
        'stripe-api-key': 'kv/data/commerce/stripe',
        'webhook-secret': 'kv/data/commerce/stripe-webhook',
      },
      topics: { publishes: ['payment-events'] },
      // The card processor's API: the only place outside the cluster payments may reach.
      egress: [{ host: 'api.payments.example', port: 443, protocol: 'https' }],
      metrics: { port: 9090 },
      probes: { readiness: { initialDelaySeconds: 5 } },
      resources: { limits: { memory: '768Mi' } },
    },
  },
  database: {
    storage: '20Gi',
    version: '17',
    extensions: ['pg_stat_statements'],
    parameters: { max_connections: '200' },
  },
  topics: {
    'order-events': { partitions: 12 },
    'payment-events': { partitions: 6, retentionHours: 336 },
  },
  jobs: {
    'settle-payments': {
      image:
        'registry.acme.example/commerce/payments@sha256:4f9c1c2d6bd1f0b8f3b2e5f0d8a1c7e6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0',
      schedule: '0 2 * * *',
      args: ['settle', '--since=24h'],
      database: 'readwrite',
      secrets: { 'stripe-api-key': 'kv/data/commerce/stripe' },
      calls: ['orders'],
      egress: [{ host: 'api.payments.example', port: 443, protocol: 'https' }],
    },
  },
});
