import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../model/issues';
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
 * Reads declarations from a module (default export: one declaration or an array), a YAML or
 * JSON file of the same shape, or a directory of such files (one per system; `index.*`, files
 * starting with `_` and modules without a default export, which hold helpers, are skipped). Shapes are checked later, for the whole fleet at once.
 */
export function loadDeclarations(target: string): unknown[] {
  const resolved = path.resolve(target);
  if (!fs.existsSync(resolved)) throw new LoadError(`${target}: no such file or directory`);
  if (fs.statSync(resolved).isDirectory()) {
    return fs
      .readdirSync(resolved)
      .filter((f) => LOADABLE.test(f) && !f.endsWith('.d.ts') && !/^(index\.|_)/.test(f))
      .sort()
      .flatMap((f) => loadFile(path.join(resolved, f), true));
  }
  return loadFile(resolved);
}

function loadFile(file: string, inDirectory = false): unknown[] {
  let value: unknown;
  if (/\.(ya?ml|json)$/.test(file)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only for YAML declarations
      const { parse } = require('yaml') as typeof import('yaml');
      value = parse(fs.readFileSync(file, 'utf8'), { prettyErrors: true });
    } catch (error) {
      throw new ValidationError([
        {
          path: path.basename(file),
          message: `not valid YAML/JSON: ${(error as Error).message.split('\n')[0]}`,
        },
      ]);
    }
  } else if (LOADABLE.test(file)) {
    const mod = // eslint-disable-next-line @typescript-eslint/no-require-imports
      (file.endsWith('.ts') ? requireTypeScript(file) : require(file)) as { default?: unknown };
    if (inDirectory && mod.default === undefined) return [];
    value = mod.default ?? mod;
  } else {
    throw new LoadError(`${file}: expected a .ts, .js, .yaml or .json file`);
  }
  return Array.isArray(value) ? value : [value];
}
