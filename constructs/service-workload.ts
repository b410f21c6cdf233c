import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ResolvedService } from '../model';
import { componentLabels, selectorLabels } from './labels';
import { mergePodExtras, type PodExtras } from './pod-extras';
import {
  finishPodTemplate,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from './pod-security';
import { kubeProbe } from './probes';
import { containerResources } from './resources';
import { topologySpreadConstraints } from './topology-spread';

/** Kong's annotation for proxying to a Service's cluster IP instead of its endpoints. */
export const KONG_SERVICE_UPSTREAM = 'ingress.kubernetes.io/service-upstream';

export interface ServiceWorkloadProps {
  /** The service, resolved for one environment. */
  readonly service: ResolvedService;
  /** What platform integrations add to the pod (Vault Agent, telemetry). @default - nothing */
  readonly extras?: PodExtras;
  /** Spread replicas over zones as well as nodes. @default false */
  readonly spreadOverZones?: boolean;
}

/**
 * One service: its ServiceAccount, Deployment and Service, plus a HorizontalPodAutoscaler when
 * it autoscales and a PodDisruptionBudget when more than one replica can run, so voluntary
 * disruptions (node drains) never take every replica at once.
 *
 * Pods pass Pod Security `restricted`; the ServiceAccount token is not mounted, because no
 * syskit service talks to the Kubernetes API (Vault Agent gets its own audience-bound token).
 */
export class ServiceWorkload extends Construct {
  readonly serviceAccount: kplus.ServiceAccount;
  readonly deployment: kplus.Deployment;
  readonly service: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const svc = props.service;
    const extras = mergePodExtras(props.extras);
    const labels = componentLabels(svc.name, svc.version, 'service');
    const portName = svc.protocol;

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: svc.serviceAccount, labels },
      automountToken: false,
    });

    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name: svc.name, labels },
      replicas: svc.replicas,
      serviceAccount: this.serviceAccount,
      automountServiceAccountToken: false,
      select: false,
      podMetadata: {
        labels: { ...Chart.of(this).labels, ...labels },
        annotations: Object.keys(extras.annotations).length > 0 ? extras.annotations : undefined,
      },
      securityContext: restrictedPodSecurityContext,
      containers: [
        {
          name: svc.name,
          image: svc.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: svc.command ? [...svc.command] : undefined,
          args: svc.args ? [...svc.args] : undefined,
          ports: [
            { name: portName, number: svc.port },
            ...(svc.metrics && svc.metrics.port !== svc.port
              ? [{ name: 'metrics', number: svc.metrics.port }]
              : []),
          ],
          envVariables: Object.fromEntries(
            [...svc.env, ...extras.env].map((e) => [e.name, kplus.EnvValue.fromValue(e.value)]),
          ),
          securityContext: restrictedContainerSecurityContext,
          resources: containerResources(svc.resources),
          startup: kplus.Probe.fromTcpSocket({
            port: svc.port,
            failureThreshold: 30,
            periodSeconds: Duration.seconds(2),
          }),
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(svc.name) }));
    this.deployment.containers[0].mount('/tmp', kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp'));

    const deployment = ApiObject.of(this.deployment);
    finishPodTemplate(deployment, '/spec/template');
    if (svc.autoscaling) {
      // The autoscaler owns the replica count; a fixed count in the manifest would reset it on every apply.
      deployment.addJsonPatch(JsonPatch.remove('/spec/replicas'));
    }
    deployment.addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/readinessProbe', kubeProbe(svc.readiness)),
    );
    deployment.addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/livenessProbe', kubeProbe(svc.liveness)),
    );
    if (svc.terminationGracePeriodSeconds !== undefined)
      deployment.addJsonPatch(
        JsonPatch.add('/spec/template/spec/terminationGracePeriodSeconds', svc.terminationGracePeriodSeconds),
      );
    const mostReplicas = svc.autoscaling ? svc.autoscaling.max : svc.replicas;
    if (mostReplicas > 1)
      deployment.addJsonPatch(
        JsonPatch.add(
          '/spec/template/spec/topologySpreadConstraints',
          topologySpreadConstraints(svc.name, 'Deployment', props.spreadOverZones ?? false),
        ),
      );
    if (extras.volumes.length > 0) {
      for (const volume of extras.volumes)
        deployment.addJsonPatch(JsonPatch.add('/spec/template/spec/volumes/-', volume));
    }

    this.service = new kplus.k8s.KubeService(this, 'Service', {
      metadata: {
        name: svc.name,
        labels,
        // Kong sends to the Service rather than to pod addresses, so its sidecar sees a mesh
        // destination and applies mTLS with the gateway's identity.
        ...(svc.routes.length > 0 ? { annotations: { [KONG_SERVICE_UPSTREAM]: 'true' } } : {}),
      },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(svc.name),
        ports: [
          {
            name: portName,
            port: svc.servicePort,
            targetPort: kplus.k8s.IntOrString.fromNumber(svc.port),
            protocol: 'TCP',
            // Istio and Linkerd pick the proxy's protocol from this; `tcp` keeps them from parsing a
            // cache's or broker's bytes as HTTP.
            appProtocol: svc.protocol,
          },
          ...(svc.metrics && svc.metrics.port !== svc.port
            ? [
                {
                  name: 'metrics',
                  port: svc.metrics.port,
                  targetPort: kplus.k8s.IntOrString.fromNumber(svc.metrics.port),
                  protocol: 'TCP',
                  appProtocol: 'http',
                },
              ]
            : []),
        ],
      },
    });

    if (svc.autoscaling) {
      new kplus.k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: svc.name, labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: svc.name },
          minReplicas: svc.autoscaling.min,
          maxReplicas: svc.autoscaling.max,
          metrics: [
            {
              type: 'Resource',
              resource: {
                name: 'cpu',
                target: { type: 'Utilization', averageUtilization: svc.autoscaling.targetCpuPercent },
              },
            },
          ],
        },
      });
    }

    if (mostReplicas > 1) {
      new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name: svc.name, labels },
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selectorLabels(svc.name) },
        },
      });
    }
  }
}
