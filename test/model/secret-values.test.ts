import dev from '../../environments/dev';
import { kafkaClientExtras } from '../../constructs/event-topics';
import { telemetryExtras } from '../../constructs/observability';
import {
  credentialShape,
  isGeneratedEnvName,
  parseFleet,
  resolveByName,
  ValidationError,
  type EnvironmentInput,
  type SystemInput,
} from '../../model';
import { resolveFixture } from '../fixtures/fleet';

function issuesOf(systems: unknown[], environments: unknown[] = [dev]): string[] {
  try {
    parseFleet(systems, environments);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

const withEnv = (env: Record<string, unknown>): SystemInput =>
  ({
    name: 'billing',
    owner: 'billing-team',
    description: 'Invoices',
    services: { api: { image: 'registry.acme.example/billing/api:1.0.0', port: 8080, env } },
  }) as SystemInput;

describe('secret-looking values in env', () => {
  it('fails a URL with a password and a Stripe live key, naming the path and pointing to secrets', () => {
    expect(
      issuesOf([
        withEnv({
          DATABASE_URL: 'postgres://admin:pw@db.internal:5432/billing',
          STRIPE: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
        }),
      ]),
    ).toEqual([
      "billing.services.api.env.DATABASE_URL: the value looks like a URL with a password; declare it under secrets with a Vault path, or write { value, notSecret: '<why>' } if it is not one",
      "billing.services.api.env.STRIPE: the value looks like a Stripe secret key; declare it under secrets with a Vault path, or write { value, notSecret: '<why>' } if it is not one",
    ]);
  });

  it.each([
    ['an AWS access key', 'AKIAIOSFODNN7EXAMPLE'],
    ['a GitHub token', 'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'],
    ['a Slack token', 'xoxb-123456789012-abcdefghijkl'],
    ['a private key', '-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----'],
    // A fixed token: the detector is tuned for few false positives and misses some random draws.
    ['a random token', 'q8ZtW3nLx0Vb7RkYp2Jd5HsFc9MgEa1TuNw4KiOyaZ9'],
  ])('recognises %s', (what, value) => {
    expect(credentialShape(value)).toBe(what);
  });

  it.each([
    'postgres://db.internal:5432/billing',
    'postgres://app:$(DB_PASSWORD)@db.internal:5432/billing',
    'registry.acme.example/commerce/orders:5.0.3',
    'MyServiceConfigurationV2Enabled',
    'org.apache.kafka.common.serialization.StringSerializer',
    'sha256:5d41402abc4b2a76b9719d911017c592a5d41402abc4b2a76b9719d911017c59',
    '550e8400-e29b-41d4-a716-446655440000',
    'http://otel-collector.observability.svc:4317',
  ])('leaves an ordinary value alone: %s', (value) => {
    expect(credentialShape(value)).toBeUndefined();
  });

  it('accepts a value spelled out as not a secret, and writes only its text', () => {
    const key = 'pk_live_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4';
    const system = withEnv({
      STRIPE_PUBLISHABLE_KEY: { value: key, notSecret: 'publishable key, shipped to browsers' },
    });
    expect(issuesOf([system])).toEqual([]);
    expect(resolveByName([system], dev, 'billing').services[0].env).toEqual([
      { name: 'STRIPE_PUBLISHABLE_KEY', value: key },
    ]);
    expect(issuesOf([withEnv({ X: { value: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', notSecret: '' } })])).toEqual([
      'billing.services.api.env.X.notSecret: say why the value is not a secret',
    ]);
  });

  it("checks an environment's overrides too", () => {
    const prod: EnvironmentInput = {
      ...dev,
      overrides: {
        billing: { services: { api: { env: { UPSTREAM: 'https://user:hunter2@partner.example/' } } } },
      },
    };
    expect(issuesOf([withEnv({})], [prod])).toEqual([
      "environments.dev.overrides.billing.services.api.env.UPSTREAM: the value looks like a URL with a password; declare it under secrets with a Vault path, or write { value, notSecret: '<why>' } if it is not one",
    ]);
  });
});

describe('variables syskit generates', () => {
  it('fails a user variable named like a generated one instead of dropping it', () => {
    expect(
      issuesOf([withEnv({ OTEL_SERVICE_NAME: 'billing', KAFKA_TOPIC_INVOICES: 'x', KAFKA_GROUP_ID: 'g' })]),
    ).toEqual([
      'billing.services.api.env.KAFKA_GROUP_ID: syskit sets KAFKA_GROUP_ID on the workload itself (OpenTelemetry and Kafka settings); choose another name',
      'billing.services.api.env.KAFKA_TOPIC_INVOICES: syskit sets KAFKA_TOPIC_INVOICES on the workload itself (OpenTelemetry and Kafka settings); choose another name',
      'billing.services.api.env.OTEL_SERVICE_NAME: syskit sets OTEL_SERVICE_NAME on the workload itself (OpenTelemetry and Kafka settings); choose another name',
    ]);
    expect(issuesOf([withEnv({ OTEL_TRACES_SAMPLER: 'always_on' })])).toEqual([]);
  });

  it('knows every variable the constructs generate', () => {
    const system = resolveFixture('shop', 'dev');
    const generated = [...system.services, ...system.jobs].flatMap((w) => [
      ...(telemetryExtras(system, w).env ?? []),
      ...(kafkaClientExtras(system, w)?.env ?? []),
    ]);
    expect(generated.length).toBeGreaterThan(6);
    expect(generated.map((e) => e.name).filter((n) => !isGeneratedEnvName(n))).toEqual([]);
  });
});
