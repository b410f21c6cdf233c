import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import { byText, type Change } from './change';

/** A Kubernetes object as rendered: plain JSON. */
export type KubeObject = Record<string, unknown>;

/** Objects added, removed and changed, counted per kind. */
export interface ObjectCounts {
  readonly added: Readonly<Record<string, number>>;
  readonly removed: Readonly<Record<string, number>>;
  readonly changed: Readonly<Record<string, number>>;
}

export interface ObjectDiff extends ObjectCounts {
  /** A unified diff per changed object, in object order. */
  readonly patches: readonly string[];
  /** Sizing changes only the rendered objects know (the namespace quota, derived from everything declared). */
  readonly changes: readonly Change[];
}

export const NO_OBJECT_CHANGES: ObjectCounts = { added: {}, removed: {}, changed: {} };

/** `Deployment commerce/orders`: kind, namespace and name identify an object across API versions. */
function objectKey(o: KubeObject): string {
  const metadata = (o.metadata ?? {}) as { name?: string; namespace?: string };
  return `${String(o.kind)} ${metadata.namespace ? `${metadata.namespace}/` : ''}${metadata.name ?? ''}`;
}

/** Sorted keys make the text of an object independent of the order a construct wrote its fields in. */
export function objectText(o: KubeObject): string {
  return stringify(o, { sortMapEntries: true, lineWidth: 0 });
}

/** JSON with object keys sorted: equal for equal objects, whatever order their keys were written in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => byText(a, b)))
      : v,
  );
}

/**
 * Compares two renderings of the same system object by object. Unchanged objects cost one
 * canonical JSON serialization each and produce nothing; `patches` is filled only when asked.
 */
export function compareObjects(
  before: readonly KubeObject[],
  after: readonly KubeObject[],
  options: { patches?: boolean } = {},
): ObjectDiff {
  const b = new Map(before.map((o) => [objectKey(o), o]));
  const a = new Map(after.map((o) => [objectKey(o), o]));
  const added: Record<string, number> = {};
  const removed: Record<string, number> = {};
  const changed: Record<string, number> = {};
  const patches: string[] = [];
  const changes: Change[] = [];
  const count = (into: Record<string, number>, o: KubeObject) => {
    into[String(o.kind)] = (into[String(o.kind)] ?? 0) + 1;
  };
  for (const key of [...new Set([...b.keys(), ...a.keys()])].sort(byText)) {
    const ob = b.get(key);
    const oa = a.get(key);
    if (ob !== undefined && oa !== undefined && canonicalJson(ob) === canonicalJson(oa)) continue;
    if (ob === undefined) count(added, oa!);
    else if (oa === undefined) count(removed, ob);
    else {
      count(changed, oa);
      if (oa.kind === 'ResourceQuota') changes.push(quotaChange(key, ob, oa));
    }
    if (options.patches) patches.push(unifiedDiff(key, ob && objectText(ob), oa && objectText(oa)));
  }
  return { added: sorted(added), removed: sorted(removed), changed: sorted(changed), patches, changes };
}

function quotaChange(key: string, before: KubeObject, after: KubeObject): Change {
  const hard = (o: KubeObject) => ((o.spec ?? {}) as { hard?: Record<string, string> }).hard ?? {};
  const b = hard(before);
  const a = hard(after);
  // Only the limits that moved: a quota lists every resource, most of which stay put.
  const moved = [...new Set([...Object.keys(b), ...Object.keys(a)])]
    .filter((k) => b[k] !== a[k])
    .sort(byText);
  const pick = (h: Record<string, string>) =>
    Object.fromEntries(moved.filter((k) => k in h).map((k) => [k, h[k]]));
  return {
    kind: 'quota',
    category: 'sizing',
    subject: key.replace(/^ResourceQuota /, ''),
    before: pick(b),
    after: pick(a),
    // The quota follows what the systems declare; those declarations carry their own risk.
    risk: 'info',
  };
}

/** A git-style unified diff of one object, three lines of context, `/dev/null` for a missing side. */
export function unifiedDiff(key: string, before: string | undefined, after: string | undefined): string {
  const file = key.replace(' ', '/');
  const patch = structuredPatch(file, file, before ?? '', after ?? '', '', '', { context: 3 });
  const range = (start: number, lines: number) =>
    `${lines === 0 ? start - 1 : start}${lines === 1 ? '' : `,${lines}`}`;
  return [
    `--- ${before === undefined ? '/dev/null' : `a/${file}`}`,
    `+++ ${after === undefined ? '/dev/null' : `b/${file}`}`,
    ...patch.hunks.flatMap((h) => [
      `@@ -${range(h.oldStart, h.oldLines)} +${range(h.newStart, h.newLines)} @@`,
      ...h.lines,
    ]),
  ].join('\n');
}

function sorted(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([x], [y]) => byText(x, y)));
}

export function hasObjectChanges(counts: ObjectCounts): boolean {
  return [counts.added, counts.removed, counts.changed].some((c) => Object.keys(c).length > 0);
}
