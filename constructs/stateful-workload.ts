import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ResolvedService } from '../model';
import { componentLabels } from './labels';
import { mergePodExtras } from './pod-extras';
import { disruptionBudget, headlessServiceName, serviceAddress } from './service-address';
import type { ServiceWorkloadProps } from './service-workload';
import { finishWorkloadPod, mostReplicas, selectWorkloadPods, workloadPodProps } from './workload-pod';

/** Name of each replica's claim template: the claims are `data-<service>-<ordinal>`. */
export const DATA_VOLUME = 'data';

/**
 * A service that keeps data: a StatefulSet whose replicas each own a PersistentVolumeClaim of the
 * environment's storage class, mounted at the declared path; a headless Service that gives each
 * replica a stable DNS name (`<service>-0.<service>-headless`) beside the Service callers use; and
 * a PodDisruptionBudget of one when more than one replica runs.
 *
 * Replicas start, update and stop one at a time, in order (`OrderedReady`, rolling update with no
 * partition): a store's replicas join one another, and a rollout never takes two down at once.
 * Claims are kept when the StatefulSet is deleted or scaled down (`Retain`): data is never
 * removed by a change of declaration, and scaling back up finds each replica's volume again.
 *
 * The pod is the one every service runs (constructs/workload-pod.ts), so the security, probes,
 * sizes and platform additions are the same as a Deployment's.
 */
export class StatefulWorkload extends Construct {
  readonly serviceAccount: kplus.ServiceAccount;
  readonly statefulSet: kplus.StatefulSet;
  readonly service: ApiObject;
  readonly headlessService: ApiObject;

  constructor(scope: Construct, id: string, props: ServiceWorkloadProps) {
    super(scope, id);
    const svc = props.service;
    const storage = svc.storage;
    if (!storage) throw new Error(`${svc.name}: declares no storage; it runs as a ServiceWorkload`);
    const extras = mergePodExtras(props.extras);
    const labels = componentLabels(svc.name, svc.version, 'service');

    this.serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: svc.serviceAccount, labels },
      automountToken: false,
    });
    this.headlessService = serviceAddress(this, 'HeadlessService', svc, labels, { headless: true });
    this.service = serviceAddress(this, 'Service', svc, labels);

    this.statefulSet = new kplus.StatefulSet(this, 'Resource', {
      ...workloadPodProps(this, svc, extras, this.serviceAccount),
      metadata: { name: svc.name, labels },
      replicas: svc.replicas,
      service: governingService(this, headlessServiceName(svc.name)),
      podManagementPolicy: kplus.PodManagementPolicy.ORDERED_READY,
      strategy: kplus.StatefulSetUpdateStrategy.rollingUpdate({ partition: 0 }),
    });
    selectWorkloadPods(this.statefulSet, svc.name);
    finishWorkloadPod(this.statefulSet, svc, extras, '/spec/template', {
      kind: 'StatefulSet',
      zones: props.spreadOverZones ?? false,
    });
    ApiObject.of(this.statefulSet).addJsonPatch(
      JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', {
        name: DATA_VOLUME,
        mountPath: storage.mountPath,
      }),
      JsonPatch.add('/spec/volumeClaimTemplates', [
        {
          metadata: { name: DATA_VOLUME, labels },
          spec: {
            accessModes: ['ReadWriteOnce'],
            storageClassName: storage.storageClass,
            // A Quantity: the generated toJson of cdk8s-plus reads every resource amount as one.
            resources: { requests: { storage: kplus.k8s.Quantity.fromString(storage.size) } },
          },
        },
      ]),
      JsonPatch.add('/spec/persistentVolumeClaimRetentionPolicy', {
        whenDeleted: 'Retain',
        whenScaled: 'Retain',
      }),
    );

    if (mostReplicas(svc) > 1) disruptionBudget(this, svc, labels);
  }
}

/**
 * cdk8s-plus's StatefulSet wants a Service of its own making to name as `serviceName`, and selects
 * pods with it. syskit writes its Services itself (ports, `appProtocol`, the headless variant),
 * so the StatefulSet gets a stand-in that carries only the name and renders nothing.
 */
function governingService(scope: Construct, name: string): kplus.Service {
  const standIn = new Construct(scope, 'GoverningService');
  return Object.assign(standIn, { name, select: () => undefined }) as unknown as kplus.Service;
}

/** Whether a resolved service runs as a StatefulSet. */
export function isStateful(service: ResolvedService): boolean {
  return service.storage !== undefined;
}
