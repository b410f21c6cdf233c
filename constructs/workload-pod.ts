import { ApiObject, Chart, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { ResolvedJob, ResolvedService } from '../model';
import { componentLabels, selectorLabels } from './labels';
import type { PodExtras } from './pod-extras';
import {
  finishPodTemplate,
  mountWritableTmp,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from './pod-security';
import { kubeProbe } from './probes';
import { addEphemeralStorage, containerResources, ephemeralStorage } from './resources';
import { topologySpreadConstraints } from './topology-spread';

/**
 * The pod every workload of a system runs, whatever owns it (Deployment, StatefulSet, CronJob):
 * one container with the workload's image, command, environment and size, Pod Security
 * `restricted`, no ServiceAccount token, the platform's additions (`extras`) and a size-limited
 * writable `/tmp`. The owners differ only in what surrounds the pod; this is the one place the
 * pod itself is written.
 */
export function workloadPodProps(
  scope: Construct,
  workload: ResolvedService | ResolvedJob,
  extras: Required<PodExtras>,
  serviceAccount: kplus.IServiceAccount,
): kplus.WorkloadProps & { containers: kplus.ContainerProps[] } {
  const service = workload.kind === 'service' ? workload : undefined;
  return {
    serviceAccount,
    automountServiceAccountToken: false,
    select: false,
    podMetadata: {
      labels: {
        ...Chart.of(scope).labels,
        ...componentLabels(workload.name, workload.version, workload.kind),
      },
      annotations: Object.keys(extras.annotations).length > 0 ? extras.annotations : undefined,
    },
    securityContext: restrictedPodSecurityContext,
    containers: [
      {
        name: workload.name,
        image: workload.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: workload.command ? [...workload.command] : undefined,
        args: workload.args ? [...workload.args] : undefined,
        ports: service ? servicePorts(service) : undefined,
        envVariables: Object.fromEntries(
          [...workload.env, ...workload.addresses, ...extras.env].map((e) => [
            e.name,
            kplus.EnvValue.fromValue(e.value),
          ]),
        ),
        securityContext: restrictedContainerSecurityContext,
        resources: containerResources(workload.resources),
        startup: service
          ? kplus.Probe.fromTcpSocket({
              port: service.port,
              failureThreshold: 30,
              periodSeconds: Duration.seconds(2),
            })
          : undefined,
      },
    ],
  };
}

/** The ports a service's container listens on: its own and, apart from it, the metrics port. */
function servicePorts(service: ResolvedService): kplus.ContainerPort[] {
  return [
    { name: service.protocol, number: service.port },
    ...(service.metrics && service.metrics.port !== service.port
      ? [{ name: 'metrics', number: service.metrics.port }]
      : []),
  ];
}

/**
 * What cdk8s-plus cannot say about the pod, patched into the owner's template at `templatePath`:
 * the pod-level seccomp profile, the probes (gRPC and headers), the shutdown time, the spread
 * over nodes and zones where more than one replica can run, and the platform's extra volumes.
 */
export function finishWorkloadPod(
  owner: kplus.AbstractPod & kplus.Workload,
  workload: ResolvedService | ResolvedJob,
  extras: Required<PodExtras>,
  templatePath: string,
  spread?: { readonly kind: 'Deployment' | 'StatefulSet'; readonly zones: boolean },
): void {
  mountWritableTmp(owner, owner.containers[0], ephemeralStorage(workload.resources));
  const object = ApiObject.of(owner);
  finishPodTemplate(object, templatePath);
  const spec = `${templatePath}/spec`;
  addEphemeralStorage(object, `${spec}/containers/0`, workload.resources);
  if (workload.kind === 'service') {
    object.addJsonPatch(JsonPatch.add(`${spec}/containers/0/readinessProbe`, kubeProbe(workload.readiness)));
    object.addJsonPatch(JsonPatch.add(`${spec}/containers/0/livenessProbe`, kubeProbe(workload.liveness)));
  }
  if (workload.terminationGracePeriodSeconds !== undefined)
    object.addJsonPatch(
      JsonPatch.add(`${spec}/terminationGracePeriodSeconds`, workload.terminationGracePeriodSeconds),
    );
  if (workload.kind === 'service' && spread && mostReplicas(workload) > 1)
    object.addJsonPatch(
      JsonPatch.add(
        `${spec}/topologySpreadConstraints`,
        topologySpreadConstraints(workload.name, spread.kind, spread.zones),
      ),
    );
  for (const volume of extras.volumes) object.addJsonPatch(JsonPatch.add(`${spec}/volumes/-`, volume));
}

/** The most replicas a service can run: its autoscaling maximum or its replica count. */
export function mostReplicas(service: ResolvedService): number {
  return service.autoscaling ? service.autoscaling.max : service.replicas;
}

/** Selects the pods of one workload; cdk8s-plus's own selector would carry a construct address. */
export function selectWorkloadPods(owner: kplus.Workload, name: string): void {
  owner.select(kplus.LabelSelector.of({ labels: selectorLabels(name) }));
}
