import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { recordResources, settle } from './mocks';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { PLATFORM } from '../../constructs/platform';
import { KONG_UNMANAGED_GATEWAY_CLASS, PlatformChart } from '../../constructs/platform-chart';
import { KONG_SERVICE_UPSTREAM } from '../../constructs/service-workload';
import { BARMAN_CLOUD_PLUGIN_RELEASE, GATEWAY_API, PlatformAddons, addonValues } from '../../stacks/addons';
import { parseFleet, resolve } from '../../model';
import { crdsDir } from '../../tools/upstream-crds';
import { testApp } from '../cdk8s';
import { chartObjects } from '../constructs/system-objects';

const recorded = recordResources();

/** Which resources each one waits for, read from the options the component passes. */
const dependsOn = new Map<string, string[]>();
const names = new Map<pulumi.Resource, string>();

describe('add-ons that come up as configured', () => {
  const fleet = parseFleet([commerce, fulfillment, identity], environments);
  const prod = fleet.environments.find((e) => e.name === 'prod')!;

  beforeAll(async () => {
    // Transformations given to a component run for each of its children with their options.
    const record: pulumi.ResourceTransformation = (args) => {
      names.set(args.resource, args.name);
      const deps = ([] as unknown[]).concat(args.opts.dependsOn ?? []) as pulumi.Resource[];
      dependsOn.set(
        args.name,
        deps.map((d) => names.get(d) ?? '?'),
      );
      return undefined;
    };
    new PlatformAddons('prod', { environment: prod }, { transformations: [record] });
    await settle();
  });

  /** Everything a resource waits for, directly or through what it waits for. */
  const before = (name: string): Set<string> => {
    const seen = new Set<string>();
    const visit = (n: string) =>
      (dependsOn.get(n) ?? []).forEach((d) => {
        if (!seen.has(d)) {
          seen.add(d);
          visit(d);
        }
      });
    visit(name);
    return seen;
  };

  it('installs the Gateway API CRDs of the pinned release before Kong and cert-manager', async () => {
    const crds = recorded.find(
      (r) => r.type === 'kubernetes:yaml/v2:ConfigFile' && r.name === 'gateway-api-crds',
    );
    expect(crds?.inputs.file).toBe(GATEWAY_API.manifest);
    const pinned = fs.readFileSync(path.join(await crdsDir(), 'gateway-api.yaml'), 'utf8');
    expect(pinned).toContain(`gateway.networking.k8s.io/bundle-version: ${GATEWAY_API.version}`);
    expect(before('kong')).toContain('gateway-api-crds');
    expect(before('cert-manager')).toContain('gateway-api-crds');
  });

  it('installs the Barman Cloud plugin after cert-manager and the operator it extends', () => {
    const plugin = recorded.find(
      (r) => r.type === 'kubernetes:yaml/v2:ConfigFile' && r.name === 'barman-cloud-plugin',
    );
    expect(plugin?.inputs.file).toBe(BARMAN_CLOUD_PLUGIN_RELEASE.manifest);
    expect([...before('barman-cloud-plugin')]).toEqual(
      expect.arrayContaining(['cert-manager', 'cloudnative-pg']),
    );
  });

  it('marks the GatewayClass unmanaged, the only kind Kong’s controller 3.x reconciles', () => {
    const objects = new PlatformChart(testApp(), 'platform', { environment: prod, hostnames: [] }).toJson();
    const gatewayClass = objects.find((o: any) => o.kind === 'GatewayClass');
    expect(gatewayClass.metadata.annotations).toEqual({ [KONG_UNMANAGED_GATEWAY_CLASS]: 'true' });
  });

  it('meshes Kong by pod label, and points it at the Services of routed backends', () => {
    expect(addonValues(prod).kong).toMatchObject({ podLabels: { 'sidecar.istio.io/inject': 'true' } });
    const objects = chartObjects(resolve(fleet.byName.get('commerce')!, prod, fleet));
    const services = objects.filter((o) => o.kind === 'Service');
    const routed = new Set(
      commerce.services
        ? Object.entries(commerce.services)
            .filter(([, s]) => s.routes?.length)
            .map(([n]) => n)
        : [],
    );
    expect(routed.size).toBeGreaterThan(0);
    for (const s of services) {
      expect({ service: s.metadata.name, upstream: s.metadata.annotations?.[KONG_SERVICE_UPSTREAM] }).toEqual(
        {
          service: s.metadata.name,
          upstream: routed.has(s.metadata.name) ? 'true' : undefined,
        },
      );
    }
  });

  it('lets the Prometheus it installs select every system’s monitors and rules', () => {
    const spec = (addonValues(prod)['prometheus-operator'] as any).prometheus.prometheusSpec;
    for (const key of [
      'serviceMonitorSelectorNilUsesHelmValues',
      'podMonitorSelectorNilUsesHelmValues',
      'ruleSelectorNilUsesHelmValues',
    ]) {
      expect({ key, value: spec[key] }).toEqual({ key, value: false });
    }
  });

  it('gives Prometheus the identity the metrics ports admit and the certificates the ServiceMonitors present', () => {
    const prometheus = (addonValues(prod)['prometheus-operator'] as any).prometheus;
    expect(prometheus.serviceAccount.name).toBe(PLATFORM.monitoring.prometheusServiceAccount);
    const annotations = prometheus.prometheusSpec.podMetadata.annotations;
    expect(prometheus.prometheusSpec.podMetadata.labels).toEqual({ 'sidecar.istio.io/inject': 'true' });
    // The sidecar intercepts nothing: Prometheus's scrapes carry the certificates themselves.
    expect(annotations['traffic.sidecar.istio.io/includeOutboundIPRanges']).toBe('');
    const outputCerts = /OUTPUT_CERTS: (\S+)/.exec(annotations['proxy.istio.io/config'])![1];
    const [sidecarMount] = JSON.parse(annotations['sidecar.istio.io/userVolumeMount']);
    expect(sidecarMount.mountPath).toBe(outputCerts);
    const [mount] = prometheus.prometheusSpec.volumeMounts;
    expect(mount.name).toBe(sidecarMount.name);
    expect(prometheus.prometheusSpec.volumes).toEqual([{ name: mount.name, emptyDir: { medium: 'Memory' } }]);

    const objects = chartObjects(resolve(fleet.byName.get('commerce')!, prod, fleet));
    const monitors = objects.filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.length).toBeGreaterThan(0);
    for (const m of monitors) {
      for (const e of m.spec.endpoints) {
        expect(e.scheme).toBe('https');
        for (const file of [e.tlsConfig.caFile, e.tlsConfig.certFile, e.tlsConfig.keyFile])
          expect(file.startsWith(`${mount.mountPath}/`)).toBe(true);
      }
    }
  });
});
