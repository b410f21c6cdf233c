import { LABELS, type Environment } from '../model';
import { FOUNDATION_KINDS, stageIndex, type KubeObject } from '../stacks/apply-order';
import type { GitOpsOptions } from './options';
import { systemPath, type DeliveryUnit } from './units';

export const ARGOCD_NAMESPACE = 'argocd';
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** Label of generated Applications that the ApplicationSet's rolling sync steps select on. */
export const WAVE_LABEL = 'syskit.io/wave';
/** Label a cluster registered in Argo CD carries to be picked by its environment's ApplicationSet. */
export const CLUSTER_LABEL = 'syskit.io/cluster';
/** Where Argo CD itself runs: a single-cluster environment without a declared server. */
export const IN_CLUSTER = 'https://kubernetes.default.svc';

/** One Argo CD Application's worth of an environment: the platform, the constraints, or a system. */
interface ApplicationSource {
  readonly name: string;
  readonly path: string;
  readonly wave: number;
  readonly system?: string;
  readonly hasConstraints: boolean;
}

/** Groups units into Applications: one per system (its foundation and workloads), one per platform stage. */
function applicationSources(units: readonly DeliveryUnit[]): ApplicationSource[] {
  const out = new Map<string, ApplicationSource>();
  for (const unit of units) {
    const key = unit.system ?? unit.name;
    if (out.has(key)) continue;
    out.set(key, {
      name: key,
      path: unit.system ? systemPath(unit.system) : unit.path,
      wave: stageIndex(unit.stage),
      system: unit.system,
      hasConstraints: unit.stage === 'constraints',
    });
  }
  return [...out.values()];
}

/**
 * Within one Application, Argo CD applies the lower sync wave first and waits for it to be
 * healthy; its built-in kind order would put Istio's and Linkerd's policies after the
 * Deployments, so the foundation kinds are moved one wave ahead of the rest, by a kustomize
 * patch the Application carries (the folder itself stays exactly what was synthesized).
 */
function foundationWavePatch() {
  return {
    target: { kind: [...FOUNDATION_KINDS].join('|') },
    patch: [
      'apiVersion: v1',
      'kind: Foundation',
      'metadata:',
      '  name: foundation',
      '  annotations:',
      `    ${SYNC_WAVE}: "${stageIndex('foundation') - stageIndex('workloads')}"`,
      '',
    ].join('\n'),
  };
}

function applicationSpec(
  env: Environment,
  source: ApplicationSource,
  options: GitOpsOptions,
  server: string,
) {
  return {
    project: 'default',
    source: {
      repoURL: options.repo,
      targetRevision: options.revision ?? 'HEAD',
      path: `${options.root}/${env.name}/${source.path}`,
      kustomize: { patches: [foundationWavePatch()] },
    },
    destination: { server },
    syncPolicy: {
      automated: { prune: true, selfHeal: true },
      syncOptions: [
        // The same server-side apply the Pulumi program uses, so both see the same field owners.
        'ServerSideApply=true',
        // Constraint kinds exist only once Gatekeeper has turned their templates into CRDs.
        ...(source.hasConstraints ? ['SkipDryRunOnMissingResource=true'] : []),
      ],
      retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
    },
  };
}

function applicationLabels(env: Environment, source: ApplicationSource): Record<string, string> {
  return {
    [LABELS.managedBy]: 'syskit',
    [LABELS.environment]: env.name,
    ...(source.system ? { [LABELS.system]: source.system } : {}),
    [WAVE_LABEL]: String(source.wave),
  };
}

/**
 * Argo CD objects for one environment. On one cluster: an Application per system and per
 * platform stage, ordered by sync waves that follow the apply order (they take effect when an
 * app-of-apps syncs them). On several clusters: one ApplicationSet whose cluster generator picks
 * the environment's registered clusters, crossed with the same Applications, rolled out wave by
 * wave with a rolling sync.
 */
export function argoCdObjects(
  env: Environment,
  units: readonly DeliveryUnit[],
  options: GitOpsOptions,
): KubeObject[] {
  const sources = applicationSources(units);
  if (env.clusters.length <= 1) {
    const server = env.clusters[0]?.server ?? IN_CLUSTER;
    return sources.map((source) => ({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: `${env.name}-${source.name}`,
        namespace: ARGOCD_NAMESPACE,
        labels: applicationLabels(env, source),
        annotations: { [SYNC_WAVE]: String(source.wave) },
        // Deleting the Application deletes what it applied, as `syskit destroy` does.
        finalizers: ['resources-finalizer.argocd.argoproj.io'],
      },
      spec: applicationSpec(env, source, options, server),
    }));
  }
  const waves = [...new Set(sources.map((s) => s.wave))].sort((a, b) => a - b);
  // One template for every Application: constraint kinds may be missing at dry run in any of them.
  const template = { name: '', path: '{{.path}}', wave: 0, hasConstraints: true };
  return [
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: {
        name: env.name,
        namespace: ARGOCD_NAMESPACE,
        labels: { [LABELS.managedBy]: 'syskit', [LABELS.environment]: env.name },
      },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators: [
          {
            matrix: {
              generators: [
                {
                  clusters: {
                    selector: {
                      matchLabels: { [LABELS.environment]: env.name },
                      matchExpressions: [
                        { key: CLUSTER_LABEL, operator: 'In', values: env.clusters.map((c) => c.name) },
                      ],
                    },
                  },
                },
                {
                  list: {
                    elements: sources.map((s) => ({
                      application: s.name,
                      path: s.path,
                      wave: String(s.wave),
                    })),
                  },
                },
              ],
            },
          },
        ],
        strategy: {
          type: 'RollingSync',
          rollingSync: {
            steps: waves.map((wave) => ({
              matchExpressions: [{ key: WAVE_LABEL, operator: 'In', values: [String(wave)] }],
            })),
          },
        },
        template: {
          metadata: {
            name: `${env.name}-{{.application}}-{{.name}}`,
            namespace: ARGOCD_NAMESPACE,
            labels: {
              [LABELS.managedBy]: 'syskit',
              [LABELS.environment]: env.name,
              [CLUSTER_LABEL]: '{{.name}}',
              [WAVE_LABEL]: '{{.wave}}',
            },
            finalizers: ['resources-finalizer.argocd.argoproj.io'],
          },
          spec: applicationSpec(env, template, options, '{{.server}}'),
        },
      },
    },
  ];
}
