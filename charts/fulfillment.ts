import { defineSystem } from '../model';

/** Ships what commerce sells and tells customers about it; driven by commerce's events. */
export default defineSystem({
  name: 'fulfillment',
  owner: 'logistics-team',
  description: 'Shipments, carrier integration and customer notifications',
  services: {
    shipments: {
      image:
        'registry.acme.example/fulfillment/shipments:0.12.0@sha256:a663a25dcfa6046617002de7c588f690403c44781be90516329887b6890c993e',
      port: 8080,
      routes: [{ host: 'shop', path: '/v1/shipments', methods: ['GET'] }],
      calls: ['carriers', 'commerce/orders'],
      database: 'readwrite',
      topics: { consumes: ['commerce/order-events'], publishes: ['shipment-events'] },
      metrics: {},
    },
    carriers: {
      image:
        'registry.acme.example/fulfillment/carriers:0.7.1@sha256:a0e039ed320e7912d51a9c23881eac35396bfcd685d551481cea63219691c8fd',
      port: 8080,
      secrets: { 'carrier-credentials': 'kv/data/fulfillment/carrier-api' },
      // Each carrier's API sits under the carriers' shared domain.
      egress: [{ host: '*.carriers.example', port: 443, protocol: 'https' }],
      metrics: {},
    },
    notifications: {
      image:
        'registry.acme.example/fulfillment/notifications:1.1.0@sha256:98a77249c59c847a11dafb048f53153a6091c76ac2041af55ce8c4cae7ecddfb',
      port: 8080,
      calls: ['identity/accounts'],
      topics: { consumes: ['shipment-events', 'identity/account-events', 'commerce/payment-events'] },
      secrets: { 'smtp-credentials': 'kv/data/fulfillment/smtp' },
      database: 'readonly',
      metrics: {},
      // Mail goes out over implicit TLS (SMTPS), which the mesh tells apart by server name.
      egress: [{ host: 'smtp.acme.example', port: 465, protocol: 'tls' }],
      env: { SMTP_HOST: 'smtp.acme.example', SMTP_PORT: '465' },
    },
  },
  database: { storage: '10Gi' },
  topics: {
    'shipment-events': {},
  },
});
