import dev from '../../environments/dev';
import { alertRules, telemetryExtras } from '../../constructs/observability';
import type { EnvironmentInput } from '../../model';
import { accounts, shop } from '../fixtures/fleet';
import { chartObjects, find, ofKind, podTemplate, resolveIn } from './system-objects';

const linkerd: EnvironmentInput = { ...dev, mesh: { provider: 'linkerd', mtls: 'STRICT' } };

describe('ServiceMonitors', () => {
  it('scrapes each service that serves metrics, on its metrics port, every 30 seconds', () => {
    const objects = chartObjects(resolveIn(dev));
    expect(ofKind(objects, 'ServiceMonitor').map((m) => m.metadata.name)).toEqual(['orders']);
    const monitor = find(objects, 'ServiceMonitor', 'orders');
    expect(monitor.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(monitor.metadata.namespace).toBe('shop');
    expect(monitor.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'orders' } });
    expect(monitor.spec.endpoints).toHaveLength(1);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', path: '/metrics', interval: '30s' });
    // The port name is the one the Service declares.
    expect(find(objects, 'Service', 'orders').spec.ports.map((p: any) => p.name)).toContain('metrics');
  });

  it('scrapes metrics served on the service port by that port name', () => {
    const sameport = {
      ...shop,
      services: {
        ...shop.services,
        orders: { ...shop.services.orders, metrics: { path: '/internal/metrics' } },
      },
    };
    const monitor = find(
      chartObjects(resolveIn(dev, 'shop', [sameport, accounts])),
      'ServiceMonitor',
      'orders',
    );
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/internal/metrics' });
  });

  it('scrapes over mutual TLS with the mesh certificates under Istio STRICT, instead of opening the port', () => {
    const endpoint = find(chartObjects(resolveIn(dev)), 'ServiceMonitor', 'orders').spec.endpoints[0];
    expect(endpoint.scheme).toBe('https');
    expect(endpoint.tlsConfig).toEqual({
      caFile: '/etc/prom-certs/root-cert.pem',
      certFile: '/etc/prom-certs/cert-chain.pem',
      keyFile: '/etc/prom-certs/key.pem',
      insecureSkipVerify: true,
    });
  });

  it('scrapes over plain HTTP where the mesh does not require Istio mTLS', () => {
    const endpoint = find(chartObjects(resolveIn(linkerd)), 'ServiceMonitor', 'orders').spec.endpoints[0];
    expect(endpoint.scheme).toBe('http');
    expect(endpoint.tlsConfig).toBeUndefined();
  });
});

describe('OpenTelemetry environment', () => {
  const otel = (env: { name: string; value: string }[]) => env.filter((e) => e.name.startsWith('OTEL_'));

  it('identifies every service and job to the environment collector', () => {
    const objects = chartObjects(resolveIn(dev));
    expect(otel(podTemplate(objects, 'Deployment', 'orders').spec.containers[0].env)).toEqual([
      { name: 'OTEL_SERVICE_NAME', value: 'orders' },
      {
        name: 'OTEL_RESOURCE_ATTRIBUTES',
        value:
          'service.namespace=shop,service.version=1.2.3,deployment.environment=dev,deployment.environment.name=dev',
      },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.observability.svc:4317' },
      { name: 'OTEL_EXPORTER_OTLP_PROTOCOL', value: 'grpc' },
    ]);
    expect(
      otel(podTemplate(objects, 'Deployment', 'payments').spec.containers[0].env).map((e) => e.value)[0],
    ).toBe('payments');
    expect(otel(podTemplate(objects, 'CronJob', 'nightly').spec.containers[0].env)).toHaveLength(4);
  });

  it('speaks OTLP over HTTP to a collector on the HTTP port', () => {
    const env = {
      ...dev,
      telemetry: { collectorEndpoint: 'http://collector.telemetry.svc:4318', namespace: 'telemetry' },
    };
    const system = resolveIn(env);
    expect(telemetryExtras(system, system.services[0]).env).toContainEqual({
      name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
      value: 'http/protobuf',
    });
  });
});

describe('availability alerts', () => {
  it('writes one PrometheusRule per system with the availability alerts, scoped to its namespace', () => {
    const rule = find(chartObjects(resolveIn(dev)), 'PrometheusRule', 'shop-alerts');
    expect(rule.spec.groups.map((g: any) => g.name)).toEqual(['shop.availability']);
    const alerts = rule.spec.groups[0].rules;
    expect(alerts.map((a: any) => a.alert)).toEqual([
      'DeploymentReplicasUnavailable',
      'PodCrashLooping',
      'ScheduledJobFailed',
      'MetricsTargetDown',
      'HighServerErrorRate',
    ]);
    for (const a of alerts) {
      expect(a.expr).toContain('namespace="shop"');
      expect(a.labels).toMatchObject({ system: 'shop', owner: 'shop-team' });
    }
  });

  it('alerts on a high 5xx ratio only for HTTP services with metrics', () => {
    const errors = alertRules(resolveIn(dev)).filter((a) => a.alert === 'HighServerErrorRate');
    expect(errors.map((a) => a.labels.service)).toEqual(['orders']);
    expect(errors[0].expr).toBe(
      'sum(rate(http_server_request_duration_seconds_count{namespace="shop", service="orders", http_response_status_code=~"5.."}[5m]))' +
        ' / sum(rate(http_server_request_duration_seconds_count{namespace="shop", service="orders"}[5m])) > 0.05',
    );
  });

  it('leaves out the job and scrape alerts for a system without jobs, metrics or a database', () => {
    expect(alertRules(resolveIn(dev, 'accounts')).map((a) => a.alert)).toEqual([
      'DeploymentReplicasUnavailable',
      'PodCrashLooping',
    ]);
  });
});
