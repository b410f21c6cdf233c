import type { EngineEvent } from '@pulumi/pulumi/automation';
import type { Environment, Fleet } from '../model';
import { existingStacks, longLivedStacks, selectStack, type StackOptions } from './automation';
import { driftedObjects, showValue, type ObjectChange } from './object-changes';
import { PROJECT_NAME } from './stack-names';
import { withStackLock } from './stack-lock';

export interface DriftReport {
  /** Every object changed or deleted out of band, sorted by system, kind and name. */
  readonly objects: readonly ObjectChange[];
  /** Stacks of the environment that were never applied, so have nothing to drift from. */
  readonly notApplied: readonly string[];
}

/**
 * Reads every object of an environment's stacks back from the cluster and compares it with what
 * the last apply recorded. It is a refresh preview: the recorded state is left as it was, so a
 * second `drift` reports the same until `syskit up` restores the declared values.
 */
export async function detectDrift(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions & { systems?: readonly string[] } = {},
): Promise<DriftReport> {
  const existing = new Set(await existingStacks(environment.name, options.log));
  const objects: ObjectChange[] = [];
  const notApplied: string[] = [];
  for (const planned of longLivedStacks(fleet, environment, options.systems, options)) {
    if (!existing.has(planned.stackName)) {
      notApplied.push(planned.stackName);
      continue;
    }
    const stack = await selectStack(PROJECT_NAME, planned.stackName, options.log);
    const events: EngineEvent[] = [];
    await withStackLock(
      stack,
      () =>
        stack.previewRefresh({
          onOutput: options.onOutput,
          onEvent: (e) => events.push(e),
          parallel: options.parallel ?? 16,
        }),
      { log: options.log },
    );
    objects.push(...driftedObjects(events, planned.part));
  }
  return { objects, notApplied };
}

/** The report grouped by system and owner, one line per object and per changed field. */
export function formatDrift(environment: string, report: DriftReport): string[] {
  if (report.objects.length === 0) return [`${environment}: no drift`];
  const lines = [
    `${environment}: ${report.objects.length} object${report.objects.length === 1 ? '' : 's'} changed out of band`,
  ];
  const groups = new Map<string, ObjectChange[]>();
  for (const o of report.objects) {
    const key = `${o.system}${o.owner ? ` (owner ${o.owner})` : ''}`;
    groups.set(key, [...(groups.get(key) ?? []), o]);
  }
  for (const [group, objects] of groups) {
    lines.push(`  ${group}`);
    for (const o of objects) {
      lines.push(`    ${o.kind} ${o.name}: ${o.op === 'delete' ? 'deleted' : 'changed'}`);
      for (const f of o.fields) lines.push(`      ${f.path}: ${showValue(f.old)} -> ${showValue(f.new)}`);
    }
  }
  return lines;
}
