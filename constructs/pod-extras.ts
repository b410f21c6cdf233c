/**
 * What platform integrations add to a workload's pod without the workload knowing about them:
 * Vault Agent annotations and token volume, OpenTelemetry variables. Each integration returns
 * one of these; the workload constructs merge them into their pod template.
 */
export interface PodExtras {
  /** Pod template annotations. */
  readonly annotations?: Readonly<Record<string, string>>;
  /** Environment variables for the main container. */
  readonly env?: readonly { readonly name: string; readonly value: string }[];
  /** Extra pod volumes, written as Kubernetes wants them (for kinds cdk8s-plus cannot express). */
  readonly volumes?: readonly Record<string, unknown>[];
}

export function mergePodExtras(...extras: (PodExtras | undefined)[]): Required<PodExtras> {
  const annotations: Record<string, string> = {};
  const env: { name: string; value: string }[] = [];
  const volumes: Record<string, unknown>[] = [];
  for (const extra of extras) {
    if (!extra) continue;
    Object.assign(annotations, extra.annotations);
    env.push(...(extra.env ?? []));
    volumes.push(...(extra.volumes ?? []));
  }
  return { annotations, env, volumes };
}
