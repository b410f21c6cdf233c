import type { Environment, ResolvedSystem } from '../model';
import type { InjectedContainer } from './injected-containers';
import type { PodExtras } from './pod-extras';

/**
 * The pod annotations each mesh's injector reads the proxy's requests and limits from (Istio's
 * `sidecar.istio.io/proxyCPU`... and Linkerd's `config.linkerd.io/proxy-cpu-request`...).
 * Without them the proxy gets the injector's own defaults (Istio's chart: limits of 2 CPU and
 * 1 GiB), which no quota sized from the declarations would admit.
 */
export function meshProxyExtras(system: ResolvedSystem): PodExtras {
  const env = system.environment;
  const size = env.mesh.proxyResources;
  const annotations: Record<string, string> =
    env.mesh.provider === 'istio'
      ? {
          'sidecar.istio.io/proxyCPU': size.requests.cpu,
          'sidecar.istio.io/proxyCPULimit': size.limits.cpu,
          'sidecar.istio.io/proxyMemory': size.requests.memory,
          'sidecar.istio.io/proxyMemoryLimit': size.limits.memory,
        }
      : {
          'config.linkerd.io/proxy-cpu-request': size.requests.cpu,
          'config.linkerd.io/proxy-cpu-limit': size.limits.cpu,
          'config.linkerd.io/proxy-memory-request': size.requests.memory,
          'config.linkerd.io/proxy-memory-limit': size.limits.memory,
        };
  return { annotations };
}

/**
 * The containers the mesh injects into a pod of the environment, sized from the same value the
 * annotations above carry.
 *
 * Istio's injection template gives its init container (`istio-init`, or `istio-validation` with
 * Istio CNI) the proxy's resources too. Linkerd's `linkerd-init` takes no size from annotations;
 * the namespace's LimitRange gives it the environment's container defaults.
 */
export function meshProxyContainers(env: Environment): InjectedContainer[] {
  const proxy = env.mesh.proxyResources;
  return env.mesh.provider === 'istio'
    ? [
        { name: 'istio-proxy', runs: 'alongside', resources: proxy },
        { name: 'istio-validation', runs: 'init', resources: proxy },
      ]
    : [
        { name: 'linkerd-proxy', runs: 'alongside', resources: proxy },
        { name: 'linkerd-init', runs: 'init', resources: env.defaults.resources },
      ];
}
