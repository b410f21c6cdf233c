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
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pinnedOpa } from './evaluate';

export const GATEKEEPER_TARGET = 'admission.k8s.gatekeeper.sh';

/** One reason Gatekeeper would refuse a template. */
export interface TemplateProblem {
  /** metadata.name of the template. */
  template: string;
  message: string;
}

interface RegoSource {
  rego: string;
  libs: string[];
  version: 'v0' | 'v1';
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
  const templates = objects.filter(isConstraintTemplate);
  if (templates.length === 0) return [];
  const opa = opts.opaPath ?? (await pinnedOpa());
  const problems: TemplateProblem[] = [];
  for (const template of templates) {
    const name = String((template.metadata as { name?: unknown } | undefined)?.name ?? '(unnamed)');
    for (const message of await checkTemplate(template, opa)) problems.push({ template: name, message });
  }
  return problems;
}

async function checkTemplate(template: Record<string, unknown>, opa: string): Promise<string[]> {
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
    return problems;
  }
  if (targets[0].target !== GATEKEEPER_TARGET) {
    problems.push(
      `spec.targets[0].target: expected "${GATEKEEPER_TARGET}", got ${JSON.stringify(targets[0].target)}`,
    );
  }
  const source = regoSource(targets[0]);
  if (typeof source === 'string') {
    problems.push(source);
    return problems;
  }
  problems.push(...(await checkRego(source, opa)));
  return problems;
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

async function checkRego(source: RegoSource, opa: string): Promise<string[]> {
  if (source.rego === '') return [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-template-'));
  try {
    const entry = path.join(dir, 'template.rego');
    fs.writeFileSync(entry, source.rego);
    const libs = source.libs.map((lib, i) => {
      const file = path.join(dir, `lib_${i}.rego`);
      fs.writeFileSync(file, lib);
      return file;
    });
    const where = (file: string) => (file === entry ? 'rego' : `libs[${libs.indexOf(file)}]`);
    const versionFlag = source.version === 'v0' ? ['--v0-compatible'] : [];
    const problems: string[] = [];
    const check = await run(opa, ['check', '--format', 'json', ...versionFlag, entry, ...libs]);
    if (check.code !== 0) {
      problems.push(...opaErrors(check.stdout || check.stderr, dir, where));
      return problems;
    }
    for (const file of [entry, ...libs]) {
      const parsed = await parseOnce(opa, versionFlag, file);
      if (parsed.code !== 0) {
        problems.push(`${where(file)}: ${parsed.stderr.trim()}`);
        continue;
      }
      const module = JSON.parse(parsed.stdout) as {
        package: { path: Array<{ type: string; value: unknown }> };
        rules?: Array<{ head: { name?: string; ref?: Array<{ value: unknown }> } }>;
      };
      if (file === entry) {
        const rules = new Set((module.rules ?? []).map((r) => r.head.name ?? String(r.head.ref?.[0]?.value)));
        if (!rules.has('violation')) problems.push('rego: missing required rule "violation"');
      } else if (module.package.path[1]?.value !== 'lib') {
        const pkg = module.package.path
          .slice(1)
          .map((t) => t.value)
          .join('.');
        problems.push(`${where(file)}: package ${pkg} must be under "lib" (package lib.<name>)`);
      }
      for (const ref of dataReferences(module)) {
        problems.push(
          `${where(file)}: reads data.${ref}; Gatekeeper allows only data.lib and data.inventory in a template`,
        );
      }
    }
    return problems;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

type RunResult = { code: number; stdout: string; stderr: string };

/** `opa parse` results by Rego version and source: templates share their libs. */
const parsedSources = new Map<string, Promise<RunResult>>();

/** `opa parse` of a file, once per source text and Rego version in this process. */
function parseOnce(opa: string, versionFlag: string[], file: string): Promise<RunResult> {
  const key = `${opa}\0${versionFlag.join(' ')}\0${fs.readFileSync(file, 'utf8')}`;
  let parsed = parsedSources.get(key);
  if (!parsed) {
    parsed = run(opa, ['parse', '--format', 'json', ...versionFlag, file]);
    parsedSources.set(key, parsed);
    // A failure names its file: parse again next time rather than report another file's name.
    void parsed.then((r) => {
      if (r.code !== 0) parsedSources.delete(key);
    });
  }
  return parsed;
}

/** The first segment of every `data.<x>` reference outside data.lib and data.inventory. */
function dataReferences(module: unknown): string[] {
  const found = new Set<string>();
  const visit = (node: unknown, inPackage: boolean): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, inPackage);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const term = node as { type?: unknown; value?: unknown };
    if (term.type === 'ref' && Array.isArray(term.value) && !inPackage) {
      const [head, second] = term.value as Array<{ type?: string; value?: unknown }>;
      if (head?.type === 'var' && head.value === 'data') {
        const segment = second?.type === 'string' ? String(second.value) : '<dynamic>';
        if (segment !== 'lib' && segment !== 'inventory') found.add(segment);
      }
    }
    for (const [key, value] of Object.entries(node)) visit(value, key === 'package');
  };
  visit(module, false);
  return [...found].sort();
}

function opaErrors(output: string, dir: string, where: (file: string) => string): string[] {
  try {
    const report = JSON.parse(output) as {
      errors?: Array<{ message: string; code?: string; location?: { file?: string; row?: number } }>;
    };
    if (report.errors?.length) {
      return report.errors.map((e) => {
        const file = e.location?.file ? where(path.resolve(dir, e.location.file)) : 'rego';
        const row = e.location?.row ? ` line ${e.location.row}` : '';
        return `${file}${row}: ${e.code ?? 'error'}: ${e.message}`;
      });
    }
  } catch {
    /* not JSON: below */
  }
  return [`opa check failed: ${output.trim()}`];
}

function run(cmd: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
