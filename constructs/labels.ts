import { LABELS, type ResolvedSystem } from '../model';

/** Labels that identify one component of a system: the selector of its pods. */
export function selectorLabels(name: string): Record<string, string> {
  return { [LABELS.name]: name };
}

/** Labels for the objects of one component (the chart adds the system-wide ones). */
export function componentLabels(name: string, version: string, component: string): Record<string, string> {
  return { [LABELS.name]: name, [LABELS.version]: version, [LABELS.component]: component };
}

/** Every label an object of the system carries, for objects built outside a SystemChart. */
export function systemLabels(system: ResolvedSystem): Record<string, string> {
  return { ...system.labels };
}
