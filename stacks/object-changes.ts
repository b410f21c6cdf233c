import type { EngineEvent, StepEventMetadata } from '@pulumi/pulumi/automation';

/** One field of one object whose value changes (or changed). */
export interface FieldChange {
  /** Dotted path, `spec.replicas`, `spec.template.spec.containers`. */
  readonly path: string;
  readonly old?: unknown;
  readonly new?: unknown;
}

/** A Kubernetes object that a run would change, or that changed out of band. */
export interface ObjectChange {
  readonly op: 'create' | 'update' | 'delete' | 'replace';
  readonly kind: string;
  /** `namespace/name`, or `name` for cluster-scoped objects. */
  readonly name: string;
  readonly system: string;
  readonly owner?: string;
  readonly fields: readonly FieldChange[];
}

export const MASK = '[secret]';
/** How Pulumi marks a secret value in serialized state. */
const SECRET_SIG = '4dabf18193072939515e22adb298388d';
/** How Pulumi marks a value not known until apply. */
const UNKNOWN = '04da6b54-80e4-46f7-96ec-b56ff0331ba9';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Values that must never reach a terminal or a CI log: Pulumi secrets and the payload of a
 * Kubernetes Secret (its `data` and `stringData`), whose keys are shown but never their values.
 */
function isSecretPath(kind: string, path: readonly string[]): boolean {
  return kind === 'Secret' && (path[0] === 'data' || path[0] === 'stringData') && path.length > 1;
}

function masked(value: unknown): unknown {
  if (value === '[secret]' || (isObject(value) && SECRET_SIG in value)) return MASK;
  if (Array.isArray(value)) return value.map(masked);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}

/**
 * Field-level differences between two versions of an object, leaves first: objects are walked
 * key by key, lists and scalars compared whole (a container list reads better as one change
 * than as index-by-index noise). `only` restricts the walk to the paths it holds, so a drift
 * report compares what syskit declared and ignores what the cluster adds (status, defaults).
 */
export function fieldChanges(kind: string, before: unknown, after: unknown, only?: unknown): FieldChange[] {
  const out: FieldChange[] = [];
  const isSecretValue = (v: unknown) => isObject(v) && SECRET_SIG in v;
  const walk = (a: unknown, b: unknown, scope: unknown, restricted: boolean, path: string[]) => {
    const objects =
      (isObject(a) || isObject(b)) &&
      (isObject(a) || a === undefined) &&
      (isObject(b) || b === undefined) &&
      !isSecretValue(a) &&
      !isSecretValue(b);
    if (objects && (!restricted || isObject(scope))) {
      const keys = restricted
        ? Object.keys(scope as Json)
        : [...new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})])];
      for (const key of keys.sort()) {
        const next = restricted ? (scope as Json)[key] : undefined;
        walk((a as Json | undefined)?.[key], (b as Json | undefined)?.[key], next, restricted, [
          ...path,
          key,
        ]);
      }
      return;
    }
    if (JSON.stringify(a) === JSON.stringify(b)) return;
    const secret = isSecretPath(kind, path);
    out.push({
      path: path.join('.'),
      ...(a === undefined ? {} : { old: secret ? MASK : masked(a) }),
      ...(b === undefined ? {} : { new: secret ? MASK : masked(b) }),
    });
  };
  walk(before, after, only, only !== undefined, []);
  return out;
}

const OPS: Record<string, ObjectChange['op'] | undefined> = {
  create: 'create',
  update: 'update',
  delete: 'delete',
  replace: 'replace',
  'create-replacement': 'replace',
  'delete-replaced': 'replace',
};

/** Kubernetes objects, not the components, groups and providers around them. */
function isKubernetesObject(type: string): boolean {
  return (
    type.startsWith('kubernetes:') &&
    !type.startsWith('kubernetes:yaml') &&
    !type.startsWith('kubernetes:helm')
  );
}

function identify(m: StepEventMetadata, state: Json | undefined, fallbackSystem: string) {
  const meta = (isObject(state?.metadata) ? state.metadata : {}) as Json;
  const labels = (isObject(meta.labels) ? meta.labels : {}) as Record<string, string>;
  const urnName = m.urn.slice(m.urn.lastIndexOf('::') + 2);
  const name =
    typeof meta.name === 'string' ? (meta.namespace ? `${meta.namespace}/${meta.name}` : meta.name) : urnName;
  return {
    kind: typeof state?.kind === 'string' ? state.kind : m.type.slice(m.type.lastIndexOf(':') + 1),
    name: String(name),
    system: labels['syskit.io/system'] ?? fallbackSystem,
    ...(labels['syskit.io/owner'] ? { owner: labels['syskit.io/owner'] } : {}),
  };
}

/**
 * What a preview would do to each object, from the engine's events: created and deleted
 * objects, and for updates and replacements every declared field that changes (old and new
 * declared values, secrets masked). `fallbackSystem` names objects without a system label.
 */
export function plannedChanges(events: readonly EngineEvent[], fallbackSystem: string): ObjectChange[] {
  const byUrn = new Map<string, ObjectChange>();
  for (const event of events) {
    const m = event.resourcePreEvent?.metadata;
    if (!m || !isKubernetesObject(m.type)) continue;
    const op = OPS[m.op];
    if (!op) continue;
    const before = m.old?.inputs;
    const after = m.new?.inputs;
    const id = identify(m, (after ?? before) as Json | undefined, fallbackSystem);
    const previous = byUrn.get(m.urn);
    if (previous && previous.op === 'replace' && op !== 'replace') continue;
    byUrn.set(m.urn, {
      op,
      ...id,
      fields:
        op === 'update' || op === 'replace' ? fieldChanges(id.kind, before, after).map(unknownAsPending) : [],
    });
  }
  return [...byUrn.values()].sort(byObject);
}

function unknownAsPending(change: FieldChange): FieldChange {
  return change.new === UNKNOWN ? { ...change, new: '(known after apply)' } : change;
}

/**
 * What changed in the cluster behind the state's back, from the events of a refresh: objects
 * deleted, and declared fields whose live value moved. Fields the cluster fills in (status,
 * defaults, managed fields) are not declared and so never reported.
 */
export function driftedObjects(events: readonly EngineEvent[], fallbackSystem: string): ObjectChange[] {
  const latest = new Map<string, StepEventMetadata>();
  for (const event of events) {
    const m = event.resOutputsEvent?.metadata ?? event.resourcePreEvent?.metadata;
    if (!m || !isKubernetesObject(m.type) || !m.old) continue;
    // The outputs event carries the state read back from the cluster; prefer it.
    if (event.resOutputsEvent || !latest.has(m.urn)) latest.set(m.urn, m);
  }
  const out: ObjectChange[] = [];
  for (const m of latest.values()) {
    const before = m.old!.outputs as Json;
    const declared = (m.old!.inputs ?? before) as Json;
    const id = identify(m, before, fallbackSystem);
    const gone = !m.new || m.op === 'delete' || m.op === 'discard' || isEmpty(m.new.outputs);
    if (gone) {
      out.push({ op: 'delete', ...id, fields: [] });
      continue;
    }
    const fields = fieldChanges(id.kind, before, m.new!.outputs, withoutMetadataNoise(declared));
    if (fields.length > 0) out.push({ op: 'update', ...id, fields });
  }
  return out.sort(byObject);
}

const isEmpty = (v: unknown) => !isObject(v) || Object.keys(v).length === 0;

/** Declared fields minus the ones Pulumi itself keeps in the inputs (`__`-prefixed). */
function withoutMetadataNoise(declared: Json): Json {
  return Object.fromEntries(Object.entries(declared).filter(([k]) => !k.startsWith('__')));
}

function byObject(a: ObjectChange, b: ObjectChange): number {
  return a.system.localeCompare(b.system) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name);
}

const SHOWN_CHARS = 120;

/** A value on one line, cut at a readable length. */
export function showValue(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > SHOWN_CHARS ? `${text.slice(0, SHOWN_CHARS - 3)}...` : text;
}

/** `Deployment commerce/cart: update` and one indented line per field, old -> new. */
export function formatObjectChange(change: ObjectChange, indent = '    '): string[] {
  const verb = { create: 'create', update: 'update', delete: 'delete', replace: 'replace' }[change.op];
  return [
    `${indent}${change.kind} ${change.name}: ${verb}`,
    ...change.fields.map((f) => `${indent}  ${f.path}: ${showValue(f.old)} -> ${showValue(f.new)}`),
  ];
}
