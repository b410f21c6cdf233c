import * as fs from 'node:fs';
import * as path from 'node:path';
import { sortIssues, ValidationError, type Issue } from '../model/issues';
import { formatBytes, MAX_DECLARATION_FILE_BYTES } from '../model/limits';
import { REPOSITORY_ROOT } from '../model/repository-root';
import { LoadError } from './errors';
import { requireTypeScript } from './typescript-declarations';

/** The repository root, where `charts/` and `environments/` live. */
export const PROJECT_ROOT = REPOSITORY_ROOT;
export const DEFAULT_SYSTEMS = path.join(PROJECT_ROOT, 'charts');
export const DEFAULT_ENVIRONMENTS = path.join(PROJECT_ROOT, 'environments');

export { LoadError };

const LOADABLE = /\.(ts|js|cjs|yaml|yml|json)$/;

/**
 * Declaration files that could not be read: every problem of every file at once, each named
 * by its file. `causes` keeps what was thrown, for `SYSKIT_DEBUG=1`.
 */
export class DeclarationLoadError extends ValidationError {
  constructor(
    issues: readonly Issue[],
    readonly causes: readonly unknown[] = [],
  ) {
    super(issues);
    this.name = 'DeclarationLoadError';
  }
}

/**
 * Reads declarations from a module (default export: one declaration or an array), a YAML or
 * JSON file of the same shape, or a directory of such files (one per system). In a directory,
 * `index.*`, `*.d.ts`, files starting with `_` and modules that export only functions are
 * helpers and are skipped; any other file that declares nothing, or a loadable file whose
 * extension is in the wrong case, is an error, as is a directory with no declaration at all.
 * Shapes are checked later, for the whole fleet at once.
 */
export function loadDeclarations(target: string): unknown[] {
  const resolved = path.resolve(target);
  if (!fs.existsSync(resolved)) throw new LoadError(`${target}: no such file or directory`);
  const issues: Issue[] = [];
  const causes: unknown[] = [];
  let declarations: unknown[];
  if (fs.statSync(resolved).isDirectory()) {
    const names = fs.readdirSync(resolved).sort();
    for (const name of names) {
      if (!LOADABLE.test(name) && LOADABLE.test(name.toLowerCase()) && !/^(index\.|_)/.test(name)) {
        issues.push({
          path: shown(path.join(resolved, name)),
          message: `extensions are case-sensitive; rename it to "${name.replace(/\.[^.]+$/, (e) => e.toLowerCase())}" to load it, or start its name with "_" to leave it out`,
        });
      }
    }
    declarations = names
      .filter((f) => LOADABLE.test(f) && !f.endsWith('.d.ts') && !/^(index\.|_)/.test(f))
      .flatMap((f) => loadFile(path.join(resolved, f), issues, causes, true));
    if (declarations.length === 0 && issues.length === 0) {
      issues.push({
        path: shown(resolved),
        message: 'no declarations in this folder; expected .ts, .js, .yaml or .json files with one each',
      });
    }
  } else {
    if (!LOADABLE.test(resolved)) {
      const hint = LOADABLE.test(resolved.toLowerCase()) ? ' (extensions are case-sensitive)' : '';
      throw new LoadError(`${target}: expected a .ts, .js, .yaml or .json file${hint}`);
    }
    declarations = loadFile(resolved, issues, causes);
  }
  if (issues.length > 0) throw new DeclarationLoadError(sortIssues(issues), causes);
  return declarations;
}

/** A file's name as the user knows it: relative to the working directory when inside it. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

function loadFile(file: string, issues: Issue[], causes: unknown[], inDirectory = false): unknown[] {
  const where = shown(file);
  const size = fs.statSync(file).size;
  if (size > MAX_DECLARATION_FILE_BYTES) {
    issues.push({
      path: where,
      message: `${formatBytes(size)} is over the ${formatBytes(MAX_DECLARATION_FILE_BYTES)} a declaration file may have; split it, one system per file`,
    });
    return [];
  }
  let value: unknown;
  if (/\.json$/.test(file)) {
    const text = fs.readFileSync(file, 'utf8');
    try {
      value = JSON.parse(text);
    } catch (error) {
      issues.push({ path: where, message: `not valid JSON: ${jsonErrorAt(text, error as Error)}` });
      return [];
    }
  } else if (/\.ya?ml$/.test(file)) {
    const problem = readYaml(fs.readFileSync(file, 'utf8'));
    if ('problem' in problem) {
      issues.push({ path: where, message: `not valid YAML: ${problem.problem}` });
      return [];
    }
    value = problem.value;
  } else {
    let mod: Record<string, unknown>;
    try {
      mod = // eslint-disable-next-line @typescript-eslint/no-require-imports
        (file.endsWith('.ts') ? requireTypeScript(file) : require(file)) as Record<string, unknown>;
    } catch (error) {
      causes.push(error);
      issues.push({ path: where, message: `could not be loaded: ${firstLine(error)}` });
      return [];
    }
    if (mod.default === undefined) {
      const exported = Object.entries(mod).filter(([k]) => k !== '__esModule');
      // A module of functions is a helper beside the declarations; anything else meant to declare.
      if (inDirectory && exported.length > 0 && exported.every(([, v]) => typeof v === 'function')) return [];
      issues.push({
        path: where,
        message:
          exported.length === 0
            ? 'exports nothing; write "export default defineSystem({...})" (or defineEnvironment)'
            : `has no default export (it exports ${exported.map(([k]) => k).join(', ')}); write "export default", or start the file name with "_" for a helper module`,
      });
      return [];
    }
    value = mod.default;
  }
  if (value === null || value === undefined || (Array.isArray(value) && value.length === 0)) {
    issues.push({ path: where, message: 'declares nothing; expected a declaration or a list of them' });
    return [];
  }
  return Array.isArray(value) ? value : [value];
}

/** JSON.parse's position turned into a line and column, which an editor can go to. */
function jsonErrorAt(text: string, error: Error): string {
  const message = error.message.split('\n')[0];
  const at = /at position (\d+)/.exec(message);
  if (!at) return message;
  const before = text.slice(0, Number(at[1]));
  const line = before.split('\n').length;
  const column = Number(at[1]) - before.lastIndexOf('\n');
  return `${message.replace(/ at position \d+.*$/, '')} at line ${line}, column ${column}`;
}

/** The line of an error that says what went wrong, with the next one when it only announces it. */
function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  // esbuild: "Transform failed with 1 error:" then "<file>:<line>:<column>: ERROR: <what>".
  return lines[0]?.endsWith(':') && lines[1] ? `${lines[0]} ${lines[1].trim()}` : (lines[0] ?? String(error));
}

/**
 * YAML with duplicate keys refused, in linear time: the parser's own check compares every key
 * of a map with every other, which takes minutes on a map of tens of thousands of keys.
 */
function readYaml(text: string): { value: unknown } | { problem: string } {
  // Loaded here, not at the top: commands that read no YAML declaration never pay for the parser.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { isMap, isScalar, LineCounter, parseDocument, visit } = require('yaml') as typeof import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: true, lineCounter });
  if (doc.errors.length > 0) return { problem: doc.errors[0].message.split('\n')[0] };
  let duplicate: string | undefined;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const keys = new Set<unknown>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (keys.has(key)) {
          const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
          const at = offset === undefined ? '' : ` at line ${lineCounter.linePos(offset).line}`;
          duplicate = `key "${String(key)}" appears twice in one mapping${at}`;
          return visit.BREAK;
        }
        keys.add(key);
      }
      return undefined;
    },
  });
  return duplicate === undefined ? { value: doc.toJS() } : { problem: duplicate };
}
