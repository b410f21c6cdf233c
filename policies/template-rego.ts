/**
 * The Rego checks of ConstraintTemplates (see template-compile.ts), for many templates in few OPA
 * processes, each template getting exactly the problems a check of it alone would find.
 *
 * Templates of one Rego version that carry the same libs are compiled together, in one
 * `opa check`, and every v1 module is parsed in one `opa eval` with the `rego.parse_module`
 * builtin, whose AST is the one `opa parse --format json` prints. Only when that is not the same
 * as checking each template alone is a template checked alone, which names its file (`rego`,
 * `libs[i]`) and line as before:
 *
 * - the check of the group fails: every template of it is checked alone, so that each error is
 *   attributed to its template and no template is blamed for another's conflict;
 * - a template could see another's rules together but not alone: its package is, or is under or
 *   above, another template's package, or one of its modules reads `data` outside data.lib and
 *   data.inventory (a problem anyway);
 * - some template's package is under `lib`, which extends the libs every template of the group
 *   reads, or some module did not parse: every template of the group is checked alone.
 *
 * The pinned OPA's `rego.parse_module` reads Rego v1 only, whatever `--v0-compatible` says, so v0
 * modules are parsed with `opa parse --v0-compatible`, one process per distinct module.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cacheKey, readCached, writeCached } from '../tools/user-cache';
import { opaEnvironment } from './opa-environment';

export interface RegoSource {
  rego: string;
  libs: string[];
  version: 'v0' | 'v1';
}

interface Term {
  type?: string;
  value?: unknown;
}

/** The parts of a module's AST (`opa parse --format json`) the checks read. */
export interface RegoModule {
  package: { path: Term[] };
  rules?: Array<{ head: { name?: string; ref?: Term[] } }>;
}

/** The problems of each of `sources`, in their order; a source given twice is checked once. */
export async function checkRegoSources(given: readonly RegoSource[], opa: string): Promise<string[][]> {
  const keyOf = (s: RegoSource) => JSON.stringify([s.version, s.rego, s.libs]);
  const distinct = new Map(given.map((s) => [keyOf(s), s]));
  const found = await checkDistinctOnce([...distinct.values()], opa);
  const byKey = new Map([...distinct.keys()].map((key, i) => [key, found[i]]));
  return given.map((s) => byKey.get(keyOf(s))!);
}

/**
 * The checks' results are kept by the OPA binary and the sources (tools/user-cache.ts): a fleet's
 * templates rarely change between runs, and unchanged ones then cost no OPA process at all (two
 * processes, about 65 ms of CPU, for the examples).
 */
async function checkDistinctOnce(sources: readonly RegoSource[], opa: string): Promise<string[][]> {
  if (sources.length === 0) return [];
  const binary = fs.statSync(opa);
  const key = cacheKey(JSON.stringify([opa, binary.size, binary.mtimeMs]), JSON.stringify(sources));
  const cached = readCached(CACHE_KIND, key, '.json');
  if (cached !== undefined) {
    try {
      return JSON.parse(cached) as string[][];
    } catch {
      // A damaged entry: checked again below, and written anew.
    }
  }
  const found = await checkDistinct(sources, opa);
  writeCached(CACHE_KIND, key, '.json', JSON.stringify(found));
  return found;
}

const CACHE_KIND = 'template-checks';

async function checkDistinct(sources: readonly RegoSource[], opa: string): Promise<string[][]> {
  if (sources.length === 0) return [];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-template-'));
  try {
    const v1Texts = sources.filter((s) => s.version === 'v1').flatMap((s) => [s.rego, ...s.libs]);
    const parsed = await parseModules(opa, [...new Set(v1Texts)]);
    const groups = new Map<string, number[]>();
    for (const [i, source] of sources.entries()) {
      const key = JSON.stringify([source.version, source.libs]);
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
    const problems: string[][] = [];
    await Promise.all(
      [...groups.values()].map(async (indexes) => {
        const found = await checkTogether(
          indexes.map((i) => sources[i]),
          { root, opa, parsed },
        );
        for (const [n, i] of indexes.entries()) problems[i] = found[n];
      }),
    );
    return problems;
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The AST of each v1 module among `texts` that parses, by its text, from one `opa eval`. A module
 * that does not parse is left out: `opa parse` of it alone names the error.
 */
export async function parseModules(opa: string, texts: readonly string[]): Promise<Map<string, RegoModule>> {
  if (texts.length === 0) return new Map();
  const query = '{i: rego.parse_module(sprintf("%d.rego", [i]), m) | some i, m in input.modules}';
  const input = JSON.stringify({ modules: texts });
  const result = await run(opa, ['eval', '--format', 'raw', '--stdin-input', query], input.length, input);
  if (result.code !== 0) return new Map();
  const modules = JSON.parse(result.stdout) as Record<string, RegoModule>;
  return new Map(texts.flatMap((text, i) => (modules[i] ? [[text, modules[i]] as const] : [])));
}

interface Context {
  /** Folder for the Rego files of every check. */
  root: string;
  opa: string;
  /** v1 modules by source text. */
  parsed: Map<string, RegoModule>;
}

/** `sources` share one Rego version and one list of libs. */
async function checkTogether(sources: readonly RegoSource[], ctx: Context): Promise<string[][]> {
  const dir = fs.mkdtempSync(path.join(ctx.root, 'check-'));
  const write = (name: string, text: string) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  };
  const entries = sources.map((s, i) =>
    write(sources.length === 1 ? 'template.rego' : `template_${i}.rego`, s.rego),
  );
  const libs = sources[0].libs.map((lib, j) => write(`lib_${j}.rego`, lib));
  const where = (file: string) => (entries.includes(file) ? 'rego' : `libs[${libs.indexOf(file)}]`);
  const versionFlag = sources[0].version === 'v0' ? ['--v0-compatible'] : [];
  const bytes = sources.reduce((n, s) => n + s.rego.length, 0) + sources[0].libs.join('').length;
  const check = await run(ctx.opa, ['check', '--format', 'json', ...versionFlag, ...entries, ...libs], bytes);
  if (check.code !== 0) {
    if (sources.length === 1) return [opaErrors(check.stdout || check.stderr, dir, where)];
    return Promise.all(sources.map(async (s) => (await checkTogether([s], ctx))[0]));
  }
  const found = await Promise.all(
    sources.map((s, i) =>
      moduleProblems(
        [
          { file: entries[i], text: s.rego, where: 'rego', entry: true },
          ...libs.map((file, j) => ({ file, text: s.libs[j], where: `libs[${j}]`, entry: false })),
        ],
        versionFlag,
        ctx,
      ),
    ),
  );
  const alone = sources.length === 1 ? new Set<number>() : notAsAlone(found);
  return Promise.all(
    found.map(async ({ problems }, i) =>
      alone.has(i) ? (await checkTogether([sources[i]], ctx))[0] : problems,
    ),
  );
}

interface ModuleCheck {
  problems: string[];
  /** The entry module's package path without `data`, when it parsed. */
  package?: string[];
  /** Some module did not parse or reads data outside data.lib and data.inventory. */
  reachesOut: boolean;
}

/** The templates of a group whose check together may differ from their check alone. */
function notAsAlone(found: readonly ModuleCheck[]): Set<number> {
  const alone = new Set<number>();
  const within = (a: string[], b: string[]) =>
    a.length <= b.length && a.every((segment, k) => segment === b[k]);
  // An entry module under lib extends the libs every template of the group reads.
  if (found.some((a) => !a.package || a.package[0] === 'lib')) return new Set(found.keys());
  for (const [i, a] of found.entries()) {
    if (a.reachesOut) alone.add(i);
    for (const [j, b] of found.entries()) {
      if (i !== j && a.package && b.package && (within(a.package, b.package) || within(b.package, a.package)))
        alone.add(i);
    }
  }
  return alone;
}

/** What `opa check` does not find: the violation rule, the libs' packages, reads of data. */
async function moduleProblems(
  files: Array<{ file: string; text: string; where: string; entry: boolean }>,
  versionFlag: string[],
  ctx: Context,
): Promise<ModuleCheck> {
  const result: ModuleCheck = { problems: [], reachesOut: false };
  for (const { file, text, where, entry } of files) {
    let module = versionFlag.length === 0 ? ctx.parsed.get(text) : undefined;
    if (!module) {
      const parsed = await parseOnce(ctx.opa, versionFlag, file);
      if (parsed.code !== 0) {
        result.problems.push(`${where}: ${parsed.stderr.trim()}`);
        result.reachesOut = true;
        continue;
      }
      module = JSON.parse(parsed.stdout) as RegoModule;
    }
    const pkg = module.package.path.slice(1).map((t) => String(t.value));
    if (entry) {
      result.package = pkg;
      const rules = new Set((module.rules ?? []).map((r) => r.head.name ?? String(r.head.ref?.[0]?.value)));
      if (!rules.has('violation')) result.problems.push('rego: missing required rule "violation"');
    } else if (pkg[0] !== 'lib') {
      result.problems.push(`${where}: package ${pkg.join('.')} must be under "lib" (package lib.<name>)`);
    }
    for (const ref of dataReferences(module)) {
      result.reachesOut = true;
      result.problems.push(
        `${where}: reads data.${ref}; Gatekeeper allows only data.lib and data.inventory in a template`,
      );
    }
  }
  return result;
}

type RunResult = { code: number; stdout: string; stderr: string };

/** `opa parse` results by Rego version and source: templates share their libs. */
const parsedSources = new Map<string, Promise<RunResult>>();

/** `opa parse` of a file, once per source text and Rego version in this process. */
function parseOnce(opa: string, versionFlag: string[], file: string): Promise<RunResult> {
  const text = fs.readFileSync(file, 'utf8');
  const key = `${opa}\0${versionFlag.join(' ')}\0${text}`;
  let parsed = parsedSources.get(key);
  if (!parsed) {
    parsed = run(opa, ['parse', '--format', 'json', ...versionFlag, file], text.length);
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
    const term = node as Term;
    if (term.type === 'ref' && Array.isArray(term.value) && !inPackage) {
      const [head, second] = term.value as Term[];
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

/** Runs OPA on `bytes` of Rego and input. */
function run(cmd: string, args: string[], bytes: number, stdin?: string): Promise<RunResult> {
  const options = { maxBuffer: 64 << 20, env: opaEnvironment(bytes) };
  return new Promise((resolve) => {
    const child = execFile(cmd, args, options, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}
