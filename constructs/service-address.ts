import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import type { Construct } from 'constructs';
import type { ResolvedService } from '../model';
import { selectorLabels } from './labels';

/** Name of a stateful service's headless Service, which gives each replica its own DNS name. */
export function headlessServiceName(service: string): string {
  return `${service}-headless`;
}

/**
 * The Service callers reach a service by: `servicePort` forwarded to the container's port, and
 * the metrics port apart from it. The headless variant (no cluster IP) is what a StatefulSet
 * names as its `serviceName`: DNS then answers `<pod>.<name>-headless` for each replica, which
 * replicas of a store use to find each other. Ready pods only, so a replica still starting is
 * never handed out.
 */
/** Kong's annotation that makes it send to the Service's address instead of the pods'. */
export const KONG_SERVICE_UPSTREAM = 'ingress.kubernetes.io/service-upstream';

export function serviceAddress(
  scope: Construct,
  id: string,
  service: ResolvedService,
  labels: Record<string, string>,
  options: { readonly headless?: boolean } = {},
): ApiObject {
  return new kplus.k8s.KubeService(scope, id, {
    metadata: {
      name: options.headless ? headlessServiceName(service.name) : service.name,
      labels,
      // Kong sends to the Service rather than to pod addresses, so its sidecar sees a mesh
      // destination and applies mTLS with the gateway's identity.
      ...(service.routes.length > 0 && !options.headless
        ? { annotations: { [KONG_SERVICE_UPSTREAM]: 'true' } }
        : {}),
    },
    spec: {
      type: 'ClusterIP',
      ...(options.headless ? { clusterIp: 'None', publishNotReadyAddresses: false } : {}),
      selector: selectorLabels(service.name),
      ports: [
        {
          name: service.protocol,
          port: service.servicePort,
          targetPort: kplus.k8s.IntOrString.fromNumber(service.port),
          protocol: 'TCP',
          // Istio and Linkerd pick the proxy's protocol from this; `tcp` keeps them from parsing a
          // cache's or broker's bytes as HTTP.
          appProtocol: service.protocol,
        },
        ...(service.metrics && service.metrics.port !== service.port
          ? [
              {
                name: 'metrics',
                port: service.metrics.port,
                targetPort: kplus.k8s.IntOrString.fromNumber(service.metrics.port),
                protocol: 'TCP',
                appProtocol: 'http',
              },
            ]
          : []),
      ],
    },
  });
}

/**
 * A PodDisruptionBudget of one unavailable replica, for a service that can run more than one:
 * a node drain then never takes every replica at once, and never stalls (a budget of zero
 * unavailable, or one on a single replica, would block the drain for good). A StatefulSet
 * replaces its replicas one at a time as well, so one is what its rollout takes too.
 */
export function disruptionBudget(
  scope: Construct,
  service: ResolvedService,
  labels: Record<string, string>,
): ApiObject {
  return new kplus.k8s.KubePodDisruptionBudget(scope, 'DisruptionBudget', {
    metadata: { name: service.name, labels },
    spec: {
      maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
      selector: { matchLabels: selectorLabels(service.name) },
    },
  });
}
