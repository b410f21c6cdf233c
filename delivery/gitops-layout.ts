import type { Environment } from '../model';
import { argoCdObjects } from './argocd';
import { fluxObjects } from './flux';
import { kustomization, KUSTOMIZATION_FILE, OBJECTS_FILE, toYaml } from './kustomization';
import type { GitOpsOptions } from './options';
import { deliveryUnits, systemPath, type RenderedEnvironment } from './units';

/** The folder of an environment's output that holds the GitOps tool's own objects. */
export function toolFolder(options: Pick<GitOpsOptions, 'tool'>): string {
  return options.tool;
}

/**
 * Every file of one environment's GitOps output, by path below the environment's folder:
 *
 *   kustomization.yaml                      the whole environment
 *   platform/, constraints/                 the platform, in two stages
 *   systems/kustomization.yaml              every system
 *   systems/<system>/kustomization.yaml     one system: its foundation, then its workloads
 *   systems/<system>/{foundation,workloads}/
 *   argocd/ or flux/                        what the GitOps tool is given to apply the above
 *
 * Every folder holds a kustomization.yaml listing its files and subfolders and transforming
 * nothing, so `kustomize build` of any folder yields exactly the objects synthesized for it.
 */
export function gitOpsFiles(
  env: Environment,
  rendered: RenderedEnvironment,
  options: GitOpsOptions,
): Map<string, string> {
  const units = deliveryUnits(rendered);
  const files = new Map<string, string>();
  for (const unit of units) {
    files.set(`${unit.path}/${OBJECTS_FILE}`, toYaml(unit.objects));
    files.set(`${unit.path}/${KUSTOMIZATION_FILE}`, kustomization([OBJECTS_FILE]));
  }
  const systems = [...new Set(units.flatMap((u) => (u.system ? [u.system] : [])))];
  for (const system of systems) {
    const parts = units.filter((u) => u.system === system).map((u) => u.path.split('/').pop()!);
    files.set(`${systemPath(system)}/${KUSTOMIZATION_FILE}`, kustomization(parts));
  }
  if (systems.length > 0) files.set(`systems/${KUSTOMIZATION_FILE}`, kustomization(systems));
  const top = units.filter((u) => !u.system).map((u) => u.path);
  files.set(KUSTOMIZATION_FILE, kustomization([...top, ...(systems.length > 0 ? ['systems'] : [])]));

  const objects =
    options.tool === 'argocd' ? argoCdObjects(env, units, options) : fluxObjects(env, units, options);
  files.set(`${toolFolder(options)}/${OBJECTS_FILE}`, toYaml(objects));
  files.set(`${toolFolder(options)}/${KUSTOMIZATION_FILE}`, kustomization([OBJECTS_FILE]));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}
