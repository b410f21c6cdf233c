import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { REPOSITORY_ROOT } from '../model/repository-root';

let registered = false;

/**
 * Lets `require` load a declaration written in TypeScript (`charts/*.ts`, `--systems file.ts`).
 * Run from the sources (tsx, ts-jest) this already works. Run from the compiled build, tsx is
 * registered on the first `.ts` declaration only, so a command that reads nothing, or only YAML,
 * never loads it. A declaration's imports of the toolkit (`../model`) then resolve to the compiled
 * modules the CLI itself runs: one copy of each, not a second one transpiled from the sources.
 */
export function enableTypeScriptDeclarations(): void {
  if (registered || !__filename.endsWith('.js')) return;
  registered = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded only when needed, see above
  (require('tsx/cjs/api') as { register(): unknown }).register();

  const build = path.resolve(__dirname, '..');
  const sources = `${REPOSITORY_ROOT}${path.sep}`;
  const internals = Module as unknown as {
    _resolveFilename(request: string, parent: unknown, ...rest: unknown[]): string;
  };
  const resolveFilename = internals._resolveFilename;
  internals._resolveFilename = function (request, parent, ...rest) {
    const file = resolveFilename.call(this, request, parent, ...rest);
    if (!file.endsWith('.ts') || !file.startsWith(sources)) return file;
    const compiled = path.join(build, path.relative(REPOSITORY_ROOT, file)).replace(/\.ts$/, '.js');
    return fs.existsSync(compiled) ? compiled : file;
  };
}
