import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ResolvedService } from '../model';
import { componentLabels } from './labels';
import { mergePodExtras, type PodExtras } from './pod-extras';
import { disruptionBudget, serviceAddress } from './service-address';
import { finishWorkloadPod, mostReplicas, selectWorkloadPods, workloadPodProps } from './workload-pod';

/** Kong's annotation for proxying to a Service's cluster IP instead of its endpoints. */
export { KONG_SERVICE_UPSTREAM } from './service-address';

export interface ServiceWorkloadProps {
  /** The service, resolved for one environment. */
  readonly service: ResolvedService;
  /** What platform integrations add to the pod (Vault Agent, telemetry). @default - nothing */
  readonly extras?: PodExtras;
  /** Spread replicas over zones as well as nodes. @default false */
  readonly spreadOverZones?: boolean;
}

/**
 * One stateless service: its ServiceAccount, Deployment and Service, plus a
 * HorizontalPodAutoscaler when it autoscales and a PodDisruptionBudget when more than one replica
 * can run, so voluntary disruptions (node drains) never take every replica at once. Services that
 * keep data are a StatefulSet instead (see StatefulWorkload); both run the same pod.
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

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: svc.serviceAccount, labels },
      automountToken: false,
    });

    this.deployment = new kplus.Deployment(this, 'Resource', {
      ...workloadPodProps(this, svc, extras, this.serviceAccount),
      metadata: { name: svc.name, labels },
      replicas: svc.replicas,
    });
    selectWorkloadPods(this.deployment, svc.name);
    finishWorkloadPod(this.deployment, svc, extras, '/spec/template', {
      kind: 'Deployment',
      zones: props.spreadOverZones ?? false,
    });
    if (svc.autoscaling) {
      // The autoscaler owns the replica count; a fixed count in the manifest would reset it on every apply.
      ApiObject.of(this.deployment).addJsonPatch(JsonPatch.remove('/spec/replicas'));
    }

    this.service = serviceAddress(this, 'Service', svc, labels);

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

    if (mostReplicas(svc) > 1) disruptionBudget(this, svc, labels);
  }
}
