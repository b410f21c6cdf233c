import { parseAllDocuments } from 'yaml';
import {
  splitConstraints,
  splitFoundation,
  stageIndex,
  type ApplyStage,
  type KubeObject,
} from '../stacks/apply-order';

/**
 * One folder of an environment's GitOps output: the objects of one stage of the apply order,
 * for the platform or for one system. Each unit is one `kustomize build` away from its objects,
 * one Flux `Kustomization`, and (a system's two units together) one Argo CD `Application`.
 */
export interface DeliveryUnit {
  /** Unique in the environment: `platform`, `constraints`, `<system>-foundation`, `<system>-workloads`. */
  readonly name: string;
  /** The folder below the environment's folder, `/`-separated. */
  readonly path: string;
  readonly stage: ApplyStage;
  /** The system it belongs to. @default - the platform */
  readonly system?: string;
  readonly objects: readonly KubeObject[];
}

/** The folder of a system's units, below the environment's folder. */
export function systemPath(system: string): string {
  return `systems/${system}`;
}

/** What one environment's synthesis produced, as YAML text. */
export interface RenderedEnvironment {
  /** The platform's objects; absent for ephemeral environments, which live on their base's. */
  readonly platform?: string;
  /** Per system, in name order. */
  readonly systems: readonly { readonly name: string; readonly content: string }[];
}

/**
 * Cuts an environment into units along the apply order the Pulumi program follows
 * (stacks/apply-order.ts): the platform, then Gatekeeper's constraints, then per system its
 * foundation and its workloads. Units without objects are left out.
 */
export function deliveryUnits(rendered: RenderedEnvironment): DeliveryUnit[] {
  const units: DeliveryUnit[] = [];
  if (rendered.platform !== undefined) {
    const [platform, constraints] = splitConstraints(parseObjects(rendered.platform));
    units.push({ name: 'platform', path: 'platform', stage: 'platform', objects: platform });
    units.push({ name: 'constraints', path: 'constraints', stage: 'constraints', objects: constraints });
  }
  for (const system of rendered.systems) {
    const [foundation, workloads] = splitFoundation(parseObjects(system.content));
    const base = systemPath(system.name);
    units.push({
      name: `${system.name}-foundation`,
      path: `${base}/foundation`,
      stage: 'foundation',
      system: system.name,
      objects: foundation,
    });
    units.push({
      name: `${system.name}-workloads`,
      path: `${base}/workloads`,
      stage: 'workloads',
      system: system.name,
      objects: workloads,
    });
  }
  return units
    .filter((u) => u.objects.length > 0)
    .sort((a, b) => stageIndex(a.stage) - stageIndex(b.stage) || (a.name < b.name ? -1 : 1));
}

/**
 * The units a unit must wait for: every unit of the closest earlier stage that has any, except
 * that a system's workloads wait for that system's foundation only.
 */
export function prerequisites(unit: DeliveryUnit, units: readonly DeliveryUnit[]): DeliveryUnit[] {
  if (unit.stage === 'workloads') {
    return units.filter((u) => u.stage === 'foundation' && u.system === unit.system);
  }
  const earlier = units.filter(
    (u) => stageIndex(u.stage) < stageIndex(unit.stage) && u.stage !== 'workloads',
  );
  if (earlier.length === 0) return [];
  const closest = Math.max(...earlier.map((u) => stageIndex(u.stage)));
  return earlier.filter((u) => stageIndex(u.stage) === closest);
}

export function parseObjects(yaml: string): KubeObject[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === 'object');
}
