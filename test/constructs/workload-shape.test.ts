import * as path from 'node:path';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { parseFleet, ValidationError, type EnvironmentInput, type SystemInput } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { podTemplates, restrictedViolations } from '../pod-templates';
import { chartObjects, find, ofKind, resolveIn } from './system-objects';

const DIGEST = '@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

/** A Redis-like cache next to an HTTP API that probes with a header and drains slowly. */
const store: SystemInput = {
  name: 'store',
  owner: 'store-team',
  description: 'A cache and an API',
  services: {
    cache: {
      image: `registry.acme.example/mirror/redis:7.2.4${DIGEST}`,
      port: 6379,
      protocol: 'tcp',
      replicas: 2,
      probes: { liveness: { timeoutSeconds: 3, failureThreshold: 5 } },
    },
    api: {
      image: `registry.acme.example/store/api:1.0.0${DIGEST}`,
      port: 8080,
      servicePort: 80,
      calls: ['cache'],
      terminationGracePeriodSeconds: 45,
      probes: { readiness: { headers: { Host: 'api.internal', 'X-Probe': 'kubelet' }, timeoutSeconds: 2 } },
    },
    single: { image: `registry.acme.example/store/single:1.0.0${DIGEST}`, port: 8080, replicas: 1 },
  },
};

const objects = (env: EnvironmentInput = dev) => chartObjects(resolveIn(env, 'store', [store]));
const container = (list: any[], name: string) =>
  find(list, 'Deployment', name).spec.template.spec.containers[0];

describe('tcp services', () => {
  it('probe by TCP connect and announce appProtocol tcp on the Service', () => {
    const list = objects();
    const cache = container(list, 'cache');
    expect(cache.readinessProbe).toEqual({
      tcpSocket: { port: 6379 },
      initialDelaySeconds: 2,
      periodSeconds: 10,
      timeoutSeconds: 1,
      failureThreshold: 3,
    });
    expect(cache.livenessProbe).toMatchObject({
      tcpSocket: { port: 6379 },
      timeoutSeconds: 3,
      failureThreshold: 5,
    });
    expect(find(list, 'Service', 'cache').spec.ports).toEqual([
      { name: 'tcp', port: 6379, targetPort: 6379, protocol: 'TCP', appProtocol: 'tcp' },
    ]);
  });

  it('get mesh and network rules by port only, and Linkerd relays their bytes opaquely', () => {
    const list = objects();
    expect(find(list, 'AuthorizationPolicy', 'cache-allow').spec.rules).toEqual([
      {
        from: [{ source: { principals: ['cluster.local/ns/store/sa/api'] } }],
        to: [{ operation: { ports: ['6379'] } }],
      },
    ]);
    expect(find(list, 'NetworkPolicy', 'cache-ingress').spec.ingress[0].ports).toEqual([
      { protocol: 'TCP', port: 6379 },
    ]);
    const linkerd = chartObjects(resolveIn({ ...dev, mesh: { provider: 'linkerd' } }, 'store', [store]));
    expect(find(linkerd, 'Server', 'cache').spec.proxyProtocol).toBe('opaque');
  });

  it('refuses HTTP-only declarations on a tcp service, each with its path', () => {
    let issues: string[] = [];
    try {
      parseFleet(loadDeclarations(path.join(__dirname, '../fixtures/tcp-services.yaml')), [dev]);
    } catch (error) {
      issues = (error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toEqual([
      'cache.services.redis.authz: external authorization checks HTTP requests; a tcp service cannot have it',
      'cache.services.redis.metrics.port: Prometheus scrapes over HTTP; a tcp service serves metrics on a port of its own (metrics.port)',
      'cache.services.redis.probes.readiness.headers: a tcp service is probed by a TCP connect, which has no headers; leave it out',
      'cache.services.redis.probes.readiness.path: a tcp service is probed by a TCP connect, which has no path; leave it out',
      'cache.services.redis.routes[0]: routes go through the HTTP gateway; a tcp service takes none (declare callers with calls instead)',
    ]);
  });
});

describe('ports, probes and shutdown', () => {
  it('listens on the Service port and forwards to the container port', () => {
    expect(find(objects(), 'Service', 'api').spec.ports[0]).toMatchObject({
      port: 80,
      targetPort: 8080,
      appProtocol: 'http',
    });
    // Policies name the pod's port, which is what a connection reaches after the Service.
    expect(find(objects(), 'NetworkPolicy', 'api-egress').spec.egress[0].ports).toEqual([
      { protocol: 'TCP', port: 6379 },
    ]);
  });

  it('sends probe headers and honours timeouts and thresholds', () => {
    expect(container(objects(), 'api').readinessProbe).toEqual({
      httpGet: {
        path: '/readyz',
        port: 8080,
        scheme: 'HTTP',
        httpHeaders: [
          { name: 'Host', value: 'api.internal' },
          { name: 'X-Probe', value: 'kubelet' },
        ],
      },
      initialDelaySeconds: 2,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });
  });

  it('gives the pod the declared time to shut down', () => {
    expect(find(objects(), 'Deployment', 'api').spec.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(find(objects(), 'Deployment', 'cache').spec.template.spec.terminationGracePeriodSeconds).toBe(30);
  });
});

describe('topology spread', () => {
  const spread = (list: any[], name: string) =>
    find(list, 'Deployment', name).spec.template.spec.topologySpreadConstraints;

  it('spreads replicas over nodes, and over zones where the cluster has them', () => {
    expect(spread(objects(dev), 'cache').map((c: any) => c.topologyKey)).toEqual(['kubernetes.io/hostname']);
    expect(spread(objects(prod), 'cache')).toEqual([
      {
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'cache' } },
        matchLabelKeys: ['pod-template-hash'],
      },
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'cache' } },
        matchLabelKeys: ['pod-template-hash'],
      },
    ]);
  });

  it('leaves a workload that never runs more than one replica alone', () => {
    expect(spread(objects(prod), 'single')).toBeUndefined();
  });

  it('keeps every pod template restricted', () => {
    for (const t of podTemplates(ofKind(objects(prod), 'Deployment')))
      expect({ where: t.where, problems: restrictedViolations(t.spec) }).toEqual({
        where: t.where,
        problems: [],
      });
  });
});
