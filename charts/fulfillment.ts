import { defineSystem } from '../model';

/** Ships what commerce sells and tells customers about it; driven by commerce's events. */
export default defineSystem({
  name: 'fulfillment',
  owner: 'logistics-team',
  description: 'Shipments, carrier integration and customer notifications',
  services: {
    shipments: {
      image: 'registry.acme.example/fulfillment/shipments:0.12.0',
      port: 8080,
      routes: [{ host: 'shop', path: '/v1/shipments', methods: ['GET'] }],
      calls: ['carriers', 'commerce/orders'],
      database: 'readwrite',
      topics: { consumes: ['commerce/order-events'], publishes: ['shipment-events'] },
      metrics: {},
    },
    carriers: {
      image: 'registry.acme.example/fulfillment/carriers:0.7.1',
      port: 8080,
      secrets: { 'carrier-credentials': 'kv/data/fulfillment/carrier-api' },
      metrics: {},
    },
    notifications: {
      image: 'registry.acme.example/fulfillment/notifications:1.1.0',
      port: 8080,
      calls: ['identity/accounts'],
      topics: { consumes: ['shipment-events', 'identity/account-events', 'commerce/payment-events'] },
      secrets: { 'smtp-credentials': 'kv/data/fulfillment/smtp' },
      database: 'readonly',
      metrics: {},
      env: { SMTP_HOST: 'smtp.acme.example', SMTP_PORT: '587' },
    },
  },
  database: { storage: '10Gi' },
  topics: {
    'shipment-events': {},
  },
});
