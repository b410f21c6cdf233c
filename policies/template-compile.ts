/**
 * Would Gatekeeper compile this ConstraintTemplate? The checks its constraint framework makes
 * when a template is created (frameworks/constraint, drivers/rego/compilers.go), run with the
 * pinned OPA, whose parser and compiler Gatekeeper embeds:
 *
 * - the template's name is the lowercase of the Constraint kind it defines;
 * - it targets `admission.k8s.gatekeeper.sh` and carries Rego (`code[engine=Rego].source`, or the
 *   legacy `rego`/`libs` fields), in the Rego version it declares (v0 unless `version: v1`);
 * - the Rego and every lib parse and compile together (`opa check`: syntax, unsafe variables,
 *   unknown functions, type errors);
 * - the entry module defines `violation`;
 * - every lib lives under `data.lib`, and the Rego reads nothing from `data` but `data.lib` and
 *   `data.inventory` (Gatekeeper's rewriter refuses any other reference).
 */
import { pinnedOpa } from './evaluate';
import { checkRegoSources, type RegoSource } from './template-rego';

export const GATEKEEPER_TARGET = 'admission.k8s.gatekeeper.sh';

/** One reason Gatekeeper would refuse a template. */
export interface TemplateProblem {
  /** metadata.name of the template. */
  template: string;
  message: string;
}

export function isConstraintTemplate(obj: Record<string, unknown>): boolean {
  return (
    obj.kind === 'ConstraintTemplate' &&
    typeof obj.apiVersion === 'string' &&
    obj.apiVersion.startsWith('templates.gatekeeper.sh/')
  );
}

/** Every problem of every ConstraintTemplate among `objects`; other objects are ignored. */
export async function checkTemplates(
  objects: readonly Record<string, unknown>[],
  opts: { opaPath?: string } = {},
): Promise<TemplateProblem[]> {
  return (await checkEachTemplate(objects.filter(isConstraintTemplate), opts)).flat();
}

/**
 * The problems of each of `templates`, in their order, found with as few OPA processes as the
 * templates allow (policies/template-rego.ts): the templates of a fleet share their libs and
 * Rego version, so checking all of them takes one `opa check` and one `opa eval`.
 */
export async function checkEachTemplate(
  templates: readonly Record<string, unknown>[],
  opts: { opaPath?: string } = {},
): Promise<TemplateProblem[][]> {
  const checked = templates.map((template) => ({
    name: String((template.metadata as { name?: unknown } | undefined)?.name ?? '(unnamed)'),
    ...checkShape(template),
  }));
  const rego = checked.flatMap((c) => (c.source && c.source.rego !== '' ? [c.source] : []));
  const regoProblems =
    rego.length === 0 ? [] : await checkRegoSources(rego, opts.opaPath ?? (await pinnedOpa()));
  const bySource = new Map(rego.map((source, i) => [source, regoProblems[i]]));
  return checked.map(({ name, problems, source }) =>
    [...problems, ...((source && bySource.get(source)) ?? [])].map((message) => ({
      template: name,
      message,
    })),
  );
}

/** What the template says apart from its Rego, and the Rego to check when there is any. */
function checkShape(template: Record<string, unknown>): { problems: string[]; source?: RegoSource } {
  const spec = (template.spec ?? {}) as {
    crd?: { spec?: { names?: { kind?: unknown } } };
    targets?: Array<Record<string, unknown>>;
  };
  const name = (template.metadata as { name?: unknown } | undefined)?.name;
  const kind = spec.crd?.spec?.names?.kind;
  const problems: string[] = [];
  if (typeof kind !== 'string' || kind === '') {
    problems.push('spec.crd.spec.names.kind: expected the Constraint kind the template defines');
  } else if (name !== kind.toLowerCase()) {
    problems.push(
      `metadata.name must be the lowercase of spec.crd.spec.names.kind ("${kind.toLowerCase()}"), got ${JSON.stringify(name)}`,
    );
  }
  const targets = spec.targets ?? [];
  if (targets.length !== 1) {
    problems.push(`spec.targets: expected exactly one target, got ${targets.length}`);
    return { problems };
  }
  if (targets[0].target !== GATEKEEPER_TARGET) {
    problems.push(
      `spec.targets[0].target: expected "${GATEKEEPER_TARGET}", got ${JSON.stringify(targets[0].target)}`,
    );
  }
  const source = regoSource(targets[0]);
  if (typeof source === 'string') {
    problems.push(source);
    return { problems };
  }
  return { problems, source };
}

function regoSource(target: Record<string, unknown>): RegoSource | string {
  const code = (target.code as Array<Record<string, unknown>> | undefined)?.find((c) => c.engine === 'Rego');
  const raw = (code?.source ?? (typeof target.rego === 'string' ? target : undefined)) as
    { rego?: unknown; libs?: unknown; version?: unknown } | undefined;
  if (!raw) {
    // A template of CEL only (K8sNativeValidation) needs no Rego.
    const cel = (target.code as Array<Record<string, unknown>> | undefined)?.some(
      (c) => c.engine === 'K8sNativeValidation',
    );
    return cel
      ? { rego: '', libs: [], version: 'v1' }
      : 'spec.targets[0]: no Rego (code[engine=Rego].source.rego or rego)';
  }
  if (typeof raw.rego !== 'string' || raw.rego.trim() === '')
    return 'spec.targets[0]: the Rego source is empty';
  const libs = raw.libs ?? [];
  if (!Array.isArray(libs) || libs.some((l) => typeof l !== 'string'))
    return 'spec.targets[0]: libs must be a list of strings';
  return { rego: raw.rego, libs: libs as string[], version: raw.version === 'v1' ? 'v1' : 'v0' };
}
