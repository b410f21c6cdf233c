import { defineSystem } from '../model';

/** Accounts and sign-in: the other systems ask it who a user is. */
export default defineSystem({
  name: 'identity',
  owner: 'identity-team',
  description: 'User accounts, profiles and session management',
  services: {
    accounts: {
      image:
        'registry.acme.example/identity/accounts:2.4.1@sha256:9183e3609db90be6c1f3149875a674813883d5ec7fb20fa6514e452449a318d1',
      port: 8080,
      routes: [
        {
          host: 'api',
          path: '/v1/accounts',
          methods: ['GET', 'POST', 'PATCH'],
          corsOrigins: ['https://app.acme.example'],
        },
        {
          host: 'api',
          path: '/v1/signup',
          methods: ['POST'],
          auth: 'none',
          rateLimitPerMinute: 30,
          maxBodyMegabytes: 1,
        },
      ],
      calls: ['sessions'],
      database: 'readwrite',
      secrets: { 'password-pepper': 'kv/data/identity/password-pepper' },
      topics: { publishes: ['account-events'] },
      metrics: { port: 9090 },
      autoscaling: { min: 2, max: 6 },
      env: { LOG_LEVEL: 'info' },
    },
    sessions: {
      image:
        'registry.acme.example/identity/sessions:1.9.0@sha256:994254851fe175f7f4acc7a29cf26b70d76028a0e3142fc37ce2f9b714bb0a53',
      port: 9000,
      protocol: 'grpc',
      database: 'readwrite',
      secrets: { 'signing-key': 'kv/data/identity/session-signing-key' },
      metrics: { port: 9090, path: '/metrics' },
      resources: { requests: { memory: '128Mi' } },
    },
  },
  database: {
    storage: '5Gi',
    version: '17',
    extensions: ['pgcrypto', 'citext'],
  },
  topics: {
    'account-events': { partitions: 6 },
  },
  jobs: {
    'purge-sessions': {
      image:
        'registry.acme.example/identity/sessions:1.9.0@sha256:994254851fe175f7f4acc7a29cf26b70d76028a0e3142fc37ce2f9b714bb0a53',
      schedule: '*/30 * * * *',
      command: ['/app/sessions'],
      args: ['purge-expired'],
      database: 'readwrite',
    },
  },
});
