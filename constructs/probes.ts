import * as kplus from 'cdk8s-plus-28';
import type { ResolvedProbe } from '../model';

/**
 * A probe as Kubernetes writes it: an HTTP GET (with its headers), the gRPC health protocol, or a
 * TCP connect for services that speak neither, which would never answer an HTTP probe and so
 * never become Ready. cdk8s-plus has no gRPC probe and no probe headers, so it is written whole.
 */
export function kubeProbe(probe: ResolvedProbe): Record<string, unknown> {
  const action =
    probe.protocol === 'grpc'
      ? { grpc: { port: probe.port } }
      : probe.protocol === 'tcp'
        ? { tcpSocket: { port: kplus.k8s.IntOrString.fromNumber(probe.port) } }
        : {
            httpGet: {
              path: probe.path,
              port: kplus.k8s.IntOrString.fromNumber(probe.port),
              scheme: 'HTTP',
              ...(probe.headers.length > 0 ? { httpHeaders: probe.headers.map((h) => ({ ...h })) } : {}),
            },
          };
  return {
    ...action,
    initialDelaySeconds: probe.initialDelaySeconds,
    periodSeconds: probe.periodSeconds,
    timeoutSeconds: probe.timeoutSeconds,
    failureThreshold: probe.failureThreshold,
  };
}
