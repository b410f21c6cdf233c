import type { Change } from './change';
import { hasObjectChanges, NO_OBJECT_CHANGES, type ObjectCounts, type ObjectDiff } from './objects';
import { atLeast, maxRisk, type Risk } from './risk';

/** The name under which an environment's cluster-wide changes are reported, as synth names its file. */
export const PLATFORM = 'platform';

export interface SystemReport {
  readonly name: string;
  /** The highest risk of its changes; `info` when only objects changed. */
  readonly risk: Risk;
  readonly changes: readonly Change[];
  readonly objects: ObjectCounts & {
    /** Unified diffs of the changed objects (`--objects`). @default - not asked for */
    readonly diff?: string;
  };
}

export interface EnvironmentReport {
  readonly name: string;
  /** Only systems with something to review. */
  readonly systems: readonly SystemReport[];
}

/** What `syskit diff --format json` prints. */
export interface DiffReport {
  readonly base: string;
  readonly head: string;
  readonly environments: readonly EnvironmentReport[];
}

/** A system's report, or `undefined` when there is nothing to review in it. */
export function systemReport(
  name: string,
  changes: readonly Change[],
  objects?: ObjectDiff,
  withPatches = false,
): SystemReport | undefined {
  const all = [...changes, ...(objects?.changes ?? [])];
  const counts = objects ?? NO_OBJECT_CHANGES;
  if (all.length === 0 && !hasObjectChanges(counts)) return undefined;
  const risk = all.reduce<Risk | undefined>((r, c) => maxRisk(r, c.risk), undefined) ?? 'info';
  return {
    name,
    risk,
    changes: all,
    objects: {
      added: counts.added,
      removed: counts.removed,
      changed: counts.changed,
      ...(withPatches && objects ? { diff: objects.patches.join('\n') } : {}),
    },
  };
}

/** The highest risk in the report; `undefined` when there is nothing to review. */
export function reportRisk(report: DiffReport): Risk | undefined {
  let risk: Risk | undefined;
  for (const env of report.environments) for (const s of env.systems) risk = maxRisk(risk, s.risk);
  return risk;
}

/** Whether CI should stop: any change at all, or any at `threshold` or above. */
export function shouldFail(report: DiffReport, threshold?: Risk): boolean {
  const risk = reportRisk(report);
  return threshold === undefined ? risk !== undefined : atLeast(risk, threshold);
}
