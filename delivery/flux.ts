import { LABELS, type Environment, type TargetCluster } from '../model';
import type { KubeObject } from '../stacks/apply-order';
import type { GitOpsOptions } from './options';
import { prerequisites, type DeliveryUnit } from './units';

export const FLUX_NAMESPACE = 'flux-system';
/** The GitRepository every Kustomization of an environment reads from. */
export const SOURCE_NAME = 'syskit';

/** Kinds whose readiness Flux's kstatus checks can tell: rolled out, or reporting a Ready condition. */
const HEALTH_CHECKED = new Set([
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'postgresql.cnpg.io/v1/Cluster',
]);

/** `kubeConfig` Secret Flux reads to reach a cluster of an environment on several clusters. */
export function kubeconfigSecret(cluster: TargetCluster): string {
  return `${cluster.name}-kubeconfig`;
}

function gitReference(revision: string | undefined): Record<string, string> {
  if (revision === undefined) return { branch: 'main' };
  if (/^[0-9a-f]{40}$/.test(revision)) return { commit: revision };
  if (revision.startsWith('refs/')) return { name: revision };
  return { branch: revision };
}

/**
 * Flux objects for one environment: the GitRepository, and a Kustomization per unit (and per
 * cluster when the environment has several) whose `dependsOn` follows the apply order. The
 * foundation and platform units wait for everything they applied to be ready; workload units
 * name their Deployments and databases as health checks, so a dependent unit starts only once
 * they have rolled out. On several clusters Flux runs in a management cluster and reaches each
 * through the kubeconfig in the Secret `<cluster>-kubeconfig`.
 */
export function fluxObjects(
  env: Environment,
  units: readonly DeliveryUnit[],
  options: GitOpsOptions,
): KubeObject[] {
  const targets: (TargetCluster | undefined)[] = env.clusters.length > 1 ? env.clusters : [undefined];
  const name = (unit: DeliveryUnit, cluster: TargetCluster | undefined) =>
    cluster ? `${env.name}-${cluster.name}-${unit.name}` : `${env.name}-${unit.name}`;
  const source: KubeObject = {
    apiVersion: 'source.toolkit.fluxcd.io/v1',
    kind: 'GitRepository',
    metadata: { name: `${SOURCE_NAME}-${env.name}`, namespace: FLUX_NAMESPACE, labels: labels(env) },
    spec: { url: options.repo, ref: gitReference(options.revision), interval: '1m' },
  };
  const kustomizations = targets.flatMap((cluster) =>
    units.map((unit): KubeObject => {
      const checks = unit.objects.filter((o) => HEALTH_CHECKED.has(`${o.apiVersion}/${o.kind}`));
      const dependsOn = prerequisites(unit, units).map((u) => ({ name: name(u, cluster) }));
      return {
        apiVersion: 'kustomize.toolkit.fluxcd.io/v1',
        kind: 'Kustomization',
        metadata: {
          name: name(unit, cluster),
          namespace: FLUX_NAMESPACE,
          labels: { ...labels(env), ...(unit.system ? { [LABELS.system]: unit.system } : {}) },
        },
        spec: {
          sourceRef: { kind: 'GitRepository', name: `${SOURCE_NAME}-${env.name}` },
          path: `./${options.root}/${env.name}/${unit.path}`,
          interval: '10m',
          retryInterval: '1m',
          timeout: '5m',
          prune: true,
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
          ...(unit.stage === 'workloads'
            ? {
                healthChecks: checks.map((o) => {
                  const meta = o.metadata as { name: string; namespace?: string };
                  return {
                    apiVersion: String(o.apiVersion),
                    kind: String(o.kind),
                    name: meta.name,
                    namespace: meta.namespace,
                  };
                }),
              }
            : { wait: true }),
          ...(cluster ? { kubeConfig: { secretRef: { name: kubeconfigSecret(cluster) } } } : {}),
        },
      };
    }),
  );
  return [source, ...kustomizations];
}

function labels(env: Environment): Record<string, string> {
  return { [LABELS.managedBy]: 'syskit', [LABELS.environment]: env.name };
}
