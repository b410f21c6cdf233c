/**
 * The order an environment's objects reach a cluster in, whoever applies them: the Pulumi
 * program (stacks/program.ts) and the GitOps output (delivery/) both read it from here, so an
 * Argo CD sync wave or a Flux `dependsOn` follows exactly what `syskit up` does.
 *
 * Pure data and functions over plain objects: no Pulumi, no cdk8s.
 */

/** A Kubernetes object as the charts render it. */
export type KubeObject = Record<string, unknown>;

/**
 * The stages, first to last. Upstream CRDs come with the add-ons (or `--install-crds`); the
 * platform's objects need them. Gatekeeper constraints need their templates to have become CRDs.
 * A system's foundation (its namespace, identities, quotas, disruption budgets, network and mesh
 * rules) must exist before its workloads, so no pod ever starts without them.
 */
export const APPLY_STAGES = ['crds', 'platform', 'constraints', 'foundation', 'workloads'] as const;

export type ApplyStage = (typeof APPLY_STAGES)[number];

/** The position of a stage in the apply order: 0 for CRDs, and so on. */
export function stageIndex(stage: ApplyStage): number {
  return APPLY_STAGES.indexOf(stage);
}

/**
 * Objects that must exist before workloads: policy objects that admission rules read (a
 * Deployment with several replicas is denied without its PodDisruptionBudget), the identities
 * pods run as, and the network and mesh rules.
 */
export const FOUNDATION_KINDS: ReadonlySet<string> = new Set([
  'Namespace',
  'ResourceQuota',
  'LimitRange',
  'ServiceAccount',
  'NetworkPolicy',
  'PodDisruptionBudget',
  'HorizontalPodAutoscaler',
  'PeerAuthentication',
  'AuthorizationPolicy',
  'Server',
  'MeshTLSAuthentication',
]);

/** Gatekeeper creates one CRD in this group per ConstraintTemplate, at run time. */
export const CONSTRAINT_GROUP = 'constraints.gatekeeper.sh';

export function isConstraint(object: KubeObject): boolean {
  return String(object.apiVersion).startsWith(`${CONSTRAINT_GROUP}/`);
}

/** Splits a system's objects into its foundation and the rest, keeping their order. */
export function splitFoundation(objects: readonly KubeObject[]): [KubeObject[], KubeObject[]] {
  const first: KubeObject[] = [];
  const rest: KubeObject[] = [];
  for (const o of objects) (FOUNDATION_KINDS.has(String(o.kind)) ? first : rest).push(o);
  return [first, rest];
}

/** Splits the platform's objects into those applied before the constraints and the constraints. */
export function splitConstraints(objects: readonly KubeObject[]): [KubeObject[], KubeObject[]] {
  return [objects.filter((o) => !isConstraint(o)), objects.filter(isConstraint)];
}
