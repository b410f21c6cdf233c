import { Construct } from 'constructs';
import type { ResolvedJob, ResolvedService, ResolvedSystem } from '../model';
import {
  PrometheusRule,
  PrometheusRuleSpecGroupsRulesExpr,
  ServiceMonitor,
  ServiceMonitorSpecEndpointsScheme,
} from './imports/monitoring.coreos.com';
import { componentLabels, selectorLabels } from './labels';
import type { PodExtras } from './pod-extras';

export interface SystemObservabilityProps {
  /** The system, resolved for one environment. */
  readonly system: ResolvedSystem;
  /**
   * How often Prometheus scrapes each service.
   * @default '30s'
   */
  readonly scrapeInterval?: string;
}

/**
 * Where Prometheus finds the certificates of its own Istio sidecar, written there by the proxy
 * (Istio's documented setup for scraping workloads under STRICT mTLS).
 */
export const ISTIO_SCRAPE_CERTS_DIR = '/etc/prom-certs';

/**
 * OpenTelemetry SDK settings for every workload, so traces, metrics and logs from any language
 * arrive at the environment's collector under the same service identity: the workload's name,
 * its system as `service.namespace`, the environment, and the image version.
 *
 * The SDKs default to OTLP over HTTP (port 4318); the collector endpoint decides the protocol,
 * so a gRPC endpoint (4317) is announced as such. `deployment.environment` is the attribute
 * most backends still key on; semantic conventions 1.27 renamed it `deployment.environment.name`,
 * so both are set.
 */
export function telemetryExtras(system: ResolvedSystem, workload: ResolvedService | ResolvedJob): PodExtras {
  const env = system.environment;
  const endpoint = env.telemetry.collectorEndpoint;
  const attributes = [
    `service.namespace=${system.name}`,
    `service.version=${workload.version}`,
    `deployment.environment=${env.name}`,
    `deployment.environment.name=${env.name}`,
  ];
  return {
    env: [
      { name: 'OTEL_SERVICE_NAME', value: workload.name },
      { name: 'OTEL_RESOURCE_ATTRIBUTES', value: attributes.join(',') },
      { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: endpoint },
      {
        name: 'OTEL_EXPORTER_OTLP_PROTOCOL',
        value: new URL(endpoint).port === '4318' ? 'http/protobuf' : 'grpc',
      },
    ],
  };
}

/**
 * How a system is watched: a `ServiceMonitor` per service that serves metrics, and one
 * `PrometheusRule` with the alerts every system needs: unavailable replicas, crash loops, failed
 * scheduled jobs, scrape targets down (services and database), and a high 5xx ratio for HTTP
 * services with metrics.
 *
 * Under Istio with STRICT mTLS a plain-HTTP scrape from outside the mesh is refused. Rather than
 * opening the metrics port to plaintext (PERMISSIVE), the scrape presents the certificate of
 * Prometheus's own Istio sidecar (written to /etc/prom-certs, Istio's documented setup), which
 * is what STRICT checks and what the metrics port's authorization names (Prometheus's identity
 * only, also under PERMISSIVE). Istio certificates name SPIFFE identities, not hostnames, so
 * Prometheus does not verify the target's certificate, as in Istio's own example. Under Linkerd
 * the scrape is plain HTTP.
 *
 * The 5xx alert reads the OpenTelemetry HTTP server metric
 * (`http_server_request_duration_seconds_count` with `http_response_status_code`), which the
 * workloads' OpenTelemetry SDKs export under those names.
 */
export class SystemObservability extends Construct {
  constructor(scope: Construct, id: string, props: SystemObservabilityProps) {
    super(scope, id);
    const system = props.system;
    const interval = props.scrapeInterval ?? '30s';
    const env = system.environment;
    // Under Istio the scrape always presents Prometheus's mesh certificate: STRICT refuses
    // plaintext, and the metrics port admits Prometheus's identity only, which plaintext lacks.
    const mtls = env.mesh.provider === 'istio';

    for (const service of system.services) {
      if (!service.metrics) continue;
      const port = service.metrics.port === service.port ? service.protocol : 'metrics';
      new ServiceMonitor(this, `monitor-${service.name}`, {
        metadata: { name: service.name, labels: componentLabels(service.name, service.version, 'service') },
        spec: {
          selector: { matchLabels: selectorLabels(service.name) },
          endpoints: [
            {
              port,
              path: service.metrics.path,
              interval,
              ...(mtls
                ? {
                    scheme: ServiceMonitorSpecEndpointsScheme.HTTPS,
                    tlsConfig: {
                      caFile: `${ISTIO_SCRAPE_CERTS_DIR}/root-cert.pem`,
                      certFile: `${ISTIO_SCRAPE_CERTS_DIR}/cert-chain.pem`,
                      keyFile: `${ISTIO_SCRAPE_CERTS_DIR}/key.pem`,
                      insecureSkipVerify: true,
                    },
                  }
                : { scheme: ServiceMonitorSpecEndpointsScheme.HTTP }),
            },
          ],
        },
      });
    }

    new PrometheusRule(this, 'Alerts', {
      metadata: { name: `${system.name}-alerts` },
      spec: {
        groups: [
          {
            name: `${system.name}.availability`,
            rules: alertRules(system).map((r) => ({
              ...r,
              expr: PrometheusRuleSpecGroupsRulesExpr.fromString(r.expr),
            })),
          },
        ],
      },
    });
  }
}

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** The availability alerts of one system, scoped to its namespace so environments never mix. */
export function alertRules(system: ResolvedSystem): AlertRule[] {
  const ns = system.namespace;
  const labels = (severity: 'warning' | 'critical') => ({
    severity,
    system: system.name,
    owner: system.owner,
  });
  const rules: AlertRule[] = [];
  if (system.services.length > 0) {
    rules.push({
      alert: 'DeploymentReplicasUnavailable',
      expr: `max by (namespace, deployment) (kube_deployment_status_replicas_unavailable{namespace="${ns}"}) > 0`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: 'Deployment {{ $labels.deployment }} has unavailable replicas',
        description:
          '{{ $value }} replicas of {{ $labels.namespace }}/{{ $labels.deployment }} have been unavailable for 10 minutes.',
      },
    });
  }
  rules.push({
    alert: 'PodCrashLooping',
    expr: `max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{namespace="${ns}", reason="CrashLoopBackOff"}) == 1`,
    for: '5m',
    labels: labels('warning'),
    annotations: {
      summary: 'Container {{ $labels.container }} of {{ $labels.pod }} is crash looping',
      description:
        '{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) has been in CrashLoopBackOff for 5 minutes.',
    },
  });
  if (system.jobs.length > 0) {
    rules.push({
      alert: 'ScheduledJobFailed',
      expr:
        `max by (namespace, owner_name) (kube_job_owner{namespace="${ns}", owner_kind="CronJob"} ` +
        `* on (namespace, job_name) group_left() (kube_job_status_failed{namespace="${ns}"} > bool 0)) > 0`,
      labels: labels('warning'),
      annotations: {
        summary: 'A run of CronJob {{ $labels.owner_name }} failed',
        description:
          'A Job created by {{ $labels.namespace }}/{{ $labels.owner_name }} has failed; it is retried at its next schedule.',
      },
    });
  }
  if (system.services.some((s) => s.metrics) || system.database) {
    // Covers the database's PodMonitors too; `job` names the monitor the target came from.
    rules.push({
      alert: 'MetricsTargetDown',
      expr: `max by (namespace, job) (up{namespace="${ns}"} == 0)`,
      for: '10m',
      labels: labels('warning'),
      annotations: {
        summary: 'Prometheus cannot scrape {{ $labels.job }}',
        description: 'Scrapes of {{ $labels.job }} in {{ $labels.namespace }} have failed for 10 minutes.',
      },
    });
  }
  for (const service of system.services) {
    if (!service.metrics || service.protocol !== 'http') continue;
    const selector = `namespace="${ns}", service="${service.name}"`;
    const requests = (extra: string) =>
      `sum(rate(http_server_request_duration_seconds_count{${selector}${extra}}[5m]))`;
    rules.push({
      alert: 'HighServerErrorRate',
      expr: `${requests(', http_response_status_code=~"5.."')} / ${requests('')} > 0.05`,
      for: '10m',
      labels: { ...labels('critical'), service: service.name },
      annotations: {
        summary: `More than 5% of requests to ${service.name} fail with 5xx`,
        description: `{{ $value | humanizePercentage }} of requests to ${ns}/${service.name} have failed with a 5xx status for 10 minutes.`,
      },
    });
  }
  return rules;
}
