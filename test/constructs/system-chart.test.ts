import { SystemChart } from '../../constructs/system-chart';
import { testApp } from '../cdk8s';
import { podTemplates, restrictedViolations } from '../pod-templates';
import { resolveFixture } from '../fixtures/fleet';

function objects(env: 'dev' | 'prod' = 'dev'): any[] {
  const app = testApp();
  return new SystemChart(app, 'shop', { system: resolveFixture('shop', env) }).toJson();
}

describe('SystemChart', () => {
  it('puts the namespace first and never gives it a namespace of its own', () => {
    const [first] = objects();
    expect(first.kind).toBe('Namespace');
    expect(first.metadata.name).toBe('shop');
    expect(first.metadata.namespace).toBeUndefined();
  });

  it('enforces Pod Security restricted and joins the mesh', () => {
    const ns = objects()[0];
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'istio-injection': 'enabled',
    });
  });

  it('puts every namespaced object in the system namespace and labels every object', () => {
    // Strimzi's operators watch only the Kafka namespace (see event-topics.test.ts).
    const inKafkaNamespace = new Set(['KafkaTopic', 'KafkaUser']);
    for (const o of objects()) {
      if (o.kind !== 'Namespace' && !inKafkaNamespace.has(o.kind))
        expect(`${o.kind}/${o.metadata.name}:${o.metadata.namespace}`).toBe(
          `${o.kind}/${o.metadata.name}:shop`,
        );
      expect(o.metadata.labels).toMatchObject({
        'syskit.io/system': 'shop',
        'syskit.io/environment': 'dev',
        'syskit.io/owner': 'shop-team',
        'app.kubernetes.io/managed-by': 'syskit',
        'app.kubernetes.io/part-of': 'shop',
      });
    }
  });

  it('denies all traffic by default and allows DNS', () => {
    const policies = objects().filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.find((p) => p.metadata.name === 'default-deny').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
    const dns = policies.find((p) => p.metadata.name === 'allow-dns').spec;
    expect(dns.egress[0].ports).toEqual([
      { port: 53, protocol: 'UDP' },
      { port: 53, protocol: 'TCP' },
    ]);
  });

  it('bounds the namespace with a quota and container defaults', () => {
    const all = objects('prod');
    const quota = all.find((o) => o.kind === 'ResourceQuota').spec.hard;
    expect(quota['services.loadbalancers']).toBe(0);
    expect(quota['services.nodeports']).toBe(0);
    expect(all.find((o) => o.kind === 'LimitRange').spec.limits[0]).toMatchObject({
      type: 'Container',
      defaultRequest: { cpu: '500m', memory: '512Mi' },
      default: { cpu: '2', memory: '2Gi' },
    });
  });

  it('writes a CronJob for each job with the same pod security as services', () => {
    const cron = objects().find((o) => o.kind === 'CronJob');
    expect(cron.metadata.name).toBe('nightly');
    expect(cron.spec.schedule).toBe('0 3 * * *');
    expect(cron.spec.concurrencyPolicy).toBe('Forbid');
    expect(restrictedViolations(cron.spec.jobTemplate.spec.template.spec)).toEqual([]);
  });

  it('gives every pod template the restricted security fields', () => {
    const templates = podTemplates(objects('prod'));
    expect(templates.length).toBeGreaterThanOrEqual(3);
    for (const t of templates)
      expect({ where: t.where, problems: restrictedViolations(t.spec) }).toEqual({
        where: t.where,
        problems: [],
      });
  });
});
