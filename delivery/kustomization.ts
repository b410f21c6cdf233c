import { stringify } from 'yaml';
import type { KubeObject } from '../stacks/apply-order';

/** Where a unit's objects live in its folder, beside its kustomization.yaml. */
export const OBJECTS_FILE = 'objects.yaml';

export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/**
 * A plain kustomization: the listed files and folders, nothing transformed, so `kustomize
 * build` of the folder yields exactly the objects syskit synthesized.
 */
export function kustomization(resources: readonly string[]): string {
  return toYaml([
    { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...resources] },
  ]);
}

/** Objects as a multi-document YAML file, without line folding, in the order given. */
export function toYaml(objects: readonly unknown[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}

/** `kind/namespace/name`, how kustomize and the API server tell objects apart. */
export function objectKey(o: KubeObject): string {
  const meta = (o.metadata ?? {}) as { name?: string; namespace?: string };
  return `${o.apiVersion}/${o.kind}/${meta.namespace ?? ''}/${meta.name ?? ''}`;
}
