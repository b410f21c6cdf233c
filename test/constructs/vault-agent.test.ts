import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { secretTemplate, vaultAgentExtras } from '../../constructs/vault-agent';
import { chartObjects, ephemeral, find, ofKind, podTemplate, resolveIn } from './system-objects';

const V = 'vault.hashicorp.com';

const seccompPatch = JSON.stringify([
  { op: 'add', path: '/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
]);

describe('Vault Agent injection', () => {
  it('annotates a workload with secrets and database access with exactly the injector settings it needs', () => {
    const objects = chartObjects(resolveIn(dev));
    const all: Record<string, string> = podTemplate(objects, 'Deployment', 'orders').metadata.annotations;
    // The mesh proxy's size annotations sit beside these; mesh-proxy.test.ts checks them.
    const annotations = Object.fromEntries(Object.entries(all).filter(([key]) => key.startsWith(`${V}/`)));
    expect(annotations).toEqual({
      [`${V}/agent-inject`]: 'true',
      [`${V}/role`]: 'shop-orders',
      [`${V}/auth-path`]: 'auth/kubernetes',
      [`${V}/service`]: 'http://vault.vault.svc:8200',
      [`${V}/agent-service-account-token-volume-name`]: 'vault-token',
      [`${V}/agent-inject-containers`]: 'orders',
      [`${V}/agent-pre-populate`]: 'true',
      [`${V}/agent-pre-populate-only`]: 'false',
      [`${V}/agent-requests-cpu`]: '25m',
      [`${V}/agent-requests-mem`]: '32Mi',
      [`${V}/agent-limits-cpu`]: '250m',
      [`${V}/agent-limits-mem`]: '128Mi',
      [`${V}/agent-run-as-user`]: '10001',
      [`${V}/agent-run-as-group`]: '10001',
      [`${V}/agent-set-security-context`]: 'true',
      [`${V}/agent-json-patch`]: seccompPatch,
      [`${V}/agent-init-json-patch`]: seccompPatch,
      [`${V}/agent-inject-secret-stripe-key`]: 'kv/data/shop/stripe',
      [`${V}/agent-inject-template-stripe-key`]:
        '{{- with secret "kv/data/shop/stripe" -}}\n{{ .Data.data | toJSON }}\n{{- end }}\n',
      [`${V}/agent-inject-perms-stripe-key`]: '0400',
      [`${V}/agent-inject-secret-db-creds`]: 'database/creds/shop-readwrite',
      [`${V}/agent-inject-template-db-creds`]:
        '{{- with secret "database/creds/shop-readwrite" -}}\n' +
        '{"host":"shop-db-rw.shop.svc","port":5432,"dbname":"shop","sslmode":"require",' +
        '"username":{{ .Data.username | toJSON }},"password":{{ .Data.password | toJSON }}}\n' +
        '{{- end }}\n',
      [`${V}/agent-inject-perms-db-creds`]: '0400',
      // orders publishes: its Kafka client certificate, issued for its KafkaUser's name.
      [`${V}/agent-inject-secret-kafka-client.pem`]: 'pki-kafka/issue/shop-orders',
      [`${V}/agent-inject-template-kafka-client.pem`]:
        '{{- with secret "pki-kafka/issue/shop-orders" "common_name=shop-orders" "ttl=24h" -}}\n' +
        '{{ .Data.private_key }}\n{{ .Data.certificate }}\n{{ range .Data.ca_chain }}{{ . }}\n{{ end }}\n{{- end }}\n',
      [`${V}/agent-inject-perms-kafka-client.pem`]: '0400',
      [`${V}/agent-inject-secret-kafka-ca.pem`]: 'pki-kafka/cert/ca_chain',
      [`${V}/agent-inject-template-kafka-ca.pem`]:
        '{{- with secret "pki-kafka/cert/ca_chain" -}}\n{{ .Data.certificate }}\n{{- end }}\n',
      [`${V}/agent-inject-perms-kafka-ca.pem`]: '0400',
    });
  });

  it('delivers the Kafka client certificate of a consumer into its own pod, where the client is told to read it', () => {
    const objects = chartObjects(resolveIn(dev, 'accounts'));
    const template = podTemplate(objects, 'Deployment', 'profiles');
    expect(template.metadata.annotations[`${V}/agent-inject-secret-kafka-client.pem`]).toBe(
      'pki-kafka/issue/accounts-profiles',
    );
    const env = Object.fromEntries(template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.KAFKA_SSL_CERTIFICATE_FILE).toBe('/vault/secrets/kafka-client.pem');
    expect(env.KAFKA_SSL_CA_FILE).toBe('/vault/secrets/kafka-ca.pem');
    const user = objects.find((o) => o.kind === 'KafkaUser' && o.metadata.name === 'accounts-profiles');
    expect(user.spec.authentication).toEqual({ type: 'tls-external' });
  });

  it('gives the agent a projected, audience-bound token and leaves the application without one', () => {
    const objects = chartObjects(resolveIn(dev));
    const spec = podTemplate(objects, 'Deployment', 'orders').spec;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(find(objects, 'ServiceAccount', 'orders').automountServiceAccountToken).toBe(false);
    expect(spec.volumes.find((v: any) => v.name === 'vault-token')).toEqual({
      name: 'vault-token',
      projected: {
        sources: [{ serviceAccountToken: { path: 'token', audience: 'vault', expirationSeconds: 600 } }],
      },
    });
    // The injector mounts the token into its own containers only; the application never sees it.
    for (const c of spec.containers)
      expect((c.volumeMounts ?? []).map((m: any) => m.name)).not.toContain('vault-token');
  });

  it('patches a RuntimeDefault seccomp profile into both injected containers, as Pod Security restricted requires', () => {
    const annotations = podTemplate(chartObjects(resolveIn(dev)), 'Deployment', 'orders').metadata
      .annotations;
    for (const key of [`${V}/agent-json-patch`, `${V}/agent-init-json-patch`]) {
      expect(JSON.parse(annotations[key])).toEqual([
        { op: 'add', path: '/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
      ]);
    }
  });

  it('runs only the init container for jobs, so a finished Job does not wait on a sidecar forever', () => {
    const system = resolveIn(dev);
    const job = { ...system.jobs[0], secrets: [{ name: 'report-key', path: 'kv/data/shop/report' }] };
    const extras = vaultAgentExtras(system, job)!;
    expect(extras.annotations![`${V}/agent-pre-populate-only`]).toBe('true');
    expect(extras.annotations![`${V}/role`]).toBe('shop-nightly');
  });

  it('leaves workloads that declare neither secrets nor database access alone', () => {
    const system = resolveIn(dev);
    expect(
      vaultAgentExtras(
        system,
        system.services.find((s) => s.name === 'payments')!,
      ),
    ).toBeUndefined();
    expect(vaultAgentExtras(system, system.jobs[0])).toBeUndefined();
    const objects = chartObjects(system);
    for (const [kind, name] of [
      ['Deployment', 'payments'],
      ['CronJob', 'nightly'],
    ] as const) {
      const template = podTemplate(objects, kind, name);
      expect(Object.keys(template.metadata.annotations ?? {}).filter((k) => k.startsWith(V))).toEqual([]);
      expect(template.spec.volumes.map((v: any) => v.name)).toEqual(['tmp']);
    }
  });

  it('connects writers through PgBouncer where the environment pools', () => {
    const annotations = podTemplate(chartObjects(resolveIn(prod)), 'Deployment', 'orders').metadata
      .annotations;
    expect(annotations[`${V}/agent-inject-template-db-creds`]).toContain('"host":"shop-db-pooler.shop.svc"');
  });

  it('names the role after the namespace in an ephemeral environment, so it never collides with its base', () => {
    const annotations = podTemplate(chartObjects(resolveIn(ephemeral(dev, 'pr-7'))), 'Deployment', 'orders')
      .metadata.annotations;
    expect(annotations[`${V}/role`]).toBe('shop-pr-7-orders');
    expect(annotations[`${V}/agent-inject-secret-db-creds`]).toBe('database/creds/shop-pr-7-readwrite');
    expect(annotations[`${V}/agent-inject-template-db-creds`]).toContain('"host":"shop-db-rw.shop-pr-7.svc"');
  });

  it('fails a secret that would overwrite the database credentials file', () => {
    const system = resolveIn(dev);
    const orders = system.services.find((s) => s.name === 'orders')!;
    const clash = { ...orders, secrets: [{ name: 'db-creds', path: 'kv/data/shop/db' }] };
    expect(() => vaultAgentExtras(system, clash)).toThrow(
      'shop/orders: secret name "db-creds" is where database credentials are rendered; rename the secret',
    );
  });

  it('reads KV v2 data from .Data.data and any other engine from .Data', () => {
    expect(secretTemplate('kv/data/shop/stripe')).toContain('{{ .Data.data | toJSON }}');
    expect(secretTemplate('secret/shop/legacy')).toContain('{{ .Data | toJSON }}');
  });

  it('writes no secret value anywhere: no Secret objects, and no variable carries a Vault path', () => {
    for (const env of [dev, prod]) {
      const system = resolveIn(env);
      const objects = chartObjects(system);
      expect(ofKind(objects, 'Secret')).toEqual([]);
      const paths = ['kv/data/shop/stripe', 'database/creds/'];
      for (const kind of ['Deployment', 'CronJob'] as const) {
        for (const o of ofKind(objects, kind)) {
          for (const c of podTemplate(objects, kind, o.metadata.name).spec.containers) {
            for (const e of c.env ?? []) {
              expect(e.valueFrom).toBeUndefined();
              for (const p of paths) expect(`${e.name}=${e.value}`).not.toContain(p);
            }
          }
        }
      }
    }
  });
});
