import * as path from 'node:path';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { dev, prod } from '../../environments';
import { parseFleet, ValidationError, type EnvironmentInput, type SystemInput } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { restrictedViolations } from '../pod-templates';
import { chartObjects, find, ofKind, resolveIn } from './system-objects';

const fleet = [commerce, fulfillment, identity];
const commerceIn = (env: EnvironmentInput) => chartObjects(resolveIn(env, 'commerce', fleet));

/** A store of three replicas, beside a stateless caller. */
const vault: SystemInput = {
  name: 'vault-store',
  owner: 'platform-team',
  description: 'A replicated key-value store',
  services: {
    kv: {
      image:
        'registry.acme.example/mirror/kv:3.5.0@sha256:0b6f1c3a5e7d9f1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a5c7e9b',
      port: 2379,
      protocol: 'grpc',
      replicas: 3,
      storage: { size: '8Gi', mountPath: '/var/lib/kv' },
    },
    api: {
      image:
        'registry.acme.example/store/api:1.0.0@sha256:2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e',
      port: 8080,
      calls: ['kv'],
    },
  },
};

describe('StatefulWorkload', () => {
  it("runs commerce's cart cache as a StatefulSet with a claim of the environment's storage class", () => {
    const objects = commerceIn(dev);
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name)).not.toContain('cart-cache');
    const set = find(objects, 'StatefulSet', 'cart-cache');
    expect(set.spec).toMatchObject({
      replicas: 1,
      serviceName: 'cart-cache-headless',
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'cart-cache' } },
    });
    expect(set.spec.volumeClaimTemplates).toEqual([
      {
        metadata: {
          name: 'data',
          labels: expect.objectContaining({ 'app.kubernetes.io/name': 'cart-cache' }),
        },
        spec: {
          accessModes: ['ReadWriteOnce'],
          storageClassName: 'standard',
          resources: { requests: { storage: '1Gi' } },
        },
      },
    ]);
    expect(set.spec.template.spec.containers[0].volumeMounts).toEqual([
      { mountPath: '/tmp', name: 'tmp' },
      { mountPath: '/data', name: 'data' },
    ]);
  });

  it('takes the size an environment overrides, and its storage class', () => {
    const bigger = {
      ...prod,
      overrides: { commerce: { services: { 'cart-cache': { storage: { size: '5Gi' } } } } },
    };
    const [claim] = find(commerceIn(bigger), 'StatefulSet', 'cart-cache').spec.volumeClaimTemplates;
    expect(claim.spec.storageClassName).toBe('gp3');
    expect(claim.spec.resources.requests.storage).toBe('5Gi');
    expect(find(commerceIn(bigger), 'ResourceQuota', 'system-quota').spec.hard['requests.storage']).toBe(
      `${(5 + 3 * 20) * 1024}Mi`,
    );
  });

  it('gives replicas stable names through a headless Service, beside the one callers use', () => {
    const objects = commerceIn(dev);
    const headless = find(objects, 'Service', 'cart-cache-headless');
    expect(headless.spec).toMatchObject({
      clusterIP: 'None',
      publishNotReadyAddresses: false,
      selector: { 'app.kubernetes.io/name': 'cart-cache' },
      ports: [{ name: 'tcp', port: 6379, targetPort: 6379, protocol: 'TCP', appProtocol: 'tcp' }],
    });
    expect(find(objects, 'Service', 'cart-cache').spec.clusterIP).toBeUndefined();
  });

  it('runs the same restricted pod as a Deployment: probes, sizes, no token, size-limited /tmp', () => {
    const objects = commerceIn(prod);
    const pod = find(objects, 'StatefulSet', 'cart-cache').spec.template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].readinessProbe.tcpSocket).toEqual({ port: 6379 });
    expect(pod.containers[0].resources.limits['ephemeral-storage']).toBe('1Gi');
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1024Mi' } }]);
    expect(pod.securityContext).toMatchObject({ fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } });
  });

  it('spreads three replicas over nodes and zones and lets a drain take one at a time', () => {
    const objects = chartObjects(resolveIn(prod, 'vault-store', [vault]));
    const set = find(objects, 'StatefulSet', 'kv');
    expect(set.spec.replicas).toBe(3);
    expect(set.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual([
      'kubernetes.io/hostname',
      'topology.kubernetes.io/zone',
    ]);
    // StatefulSet pods carry no pod-template-hash to narrow the count to.
    expect(set.spec.template.spec.topologySpreadConstraints[0].matchLabelKeys).toBeUndefined();
    expect(find(objects, 'PodDisruptionBudget', 'kv').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kv' } },
    });
    // One replica: a budget would only block drains.
    expect(ofKind(commerceIn(prod), 'PodDisruptionBudget').map((p) => p.metadata.name)).not.toContain(
      'cart-cache',
    );
  });

  it('counts each replica and its claim in the namespace quota, and leaves no room for undeclared claims', () => {
    const hard = find(chartObjects(resolveIn(prod, 'vault-store', [vault])), 'ResourceQuota', 'system-quota')
      .spec.hard;
    expect(hard.persistentvolumeclaims).toBe(3);
    expect(hard['requests.storage']).toBe(`${3 * 8 * 1024}Mi`);
    // prod commerce: the cache's 1Gi claim and three database instances of 20Gi.
    const commerceHard = find(commerceIn(prod), 'ResourceQuota', 'system-quota').spec.hard;
    expect(commerceHard.persistentvolumeclaims).toBe(4);
    expect(commerceHard['requests.storage']).toBe(`${(1 + 3 * 20) * 1024}Mi`);
    const identityHard = find(
      chartObjects(resolveIn(dev, 'identity', fleet)),
      'ResourceQuota',
      'system-quota',
    ).spec.hard;
    expect(identityHard.persistentvolumeclaims).toBe(1);
  });
});

describe('storage declarations', () => {
  const problems = (systems: unknown[], envs: unknown[] = [dev]): string[] => {
    try {
      parseFleet(systems, envs);
      return [];
    } catch (error) {
      return (error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
  };

  it('fails on an autoscaled store, a volume over /tmp, a size without a unit and a relative path', () => {
    expect(problems(loadDeclarations(path.join(__dirname, '../fixtures/stateful-services.yaml')))).toEqual([
      'ledger.services.index.storage.mountPath: expected an absolute directory like "/data" (no trailing slash, no spaces)',
      'ledger.services.index.storage.size: expected a quantity in Ki, Mi, Gi or Ti, like "256Mi"',
      'ledger.services.journal.storage: a service with storage runs a fixed number of replicas, each with its own volume; declare replicas instead of autoscaling',
      'ledger.services.journal.storage.mountPath: "/tmp/journal" is under /tmp, which the platform mounts (the size-limited scratch space); choose another directory, like "/data"',
    ]);
  });

  it('fails on an environment resizing the volume of a service that has none', () => {
    const env = { ...dev, overrides: { 'vault-store': { services: { api: { storage: { size: '2Gi' } } } } } };
    expect(problems([vault], [env])).toEqual([
      'environments.dev.overrides.vault-store.services.api.storage: vault-store.services.api declares no storage to resize; declare storage there first',
    ]);
  });
});
