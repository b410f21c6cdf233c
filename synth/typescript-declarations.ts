import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { REPOSITORY_ROOT } from '../model/repository-root';

/**
 * Loads a declaration written in TypeScript (`charts/*.ts`, `--systems file.ts`). Run from the
 * sources (tsx, ts-jest), `require` already can. Run from the compiled build, tsx is registered
 * only while the declaration loads, and the declaration's imports of the toolkit (`../model`)
 * resolve to the compiled modules the CLI itself runs: one copy of each, not a second one
 * transpiled from the sources.
 *
 * Only while: tsx's hooks see every later `require` too, and the source maps it turns on make
 * Node read the map of every module loaded after (cdk8s ships one inline in each file). Measured,
 * loading cdk8s-plus-28 after a declaration cost 240 ms of CPU with tsx left registered, 95 ms
 * without.
 */
export function requireTypeScript(file: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!__filename.endsWith('.js')) return require(file);
  // Declarations import the model; loaded before the hooks, it is loaded as any compiled module.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../model');
  const unregister = registerTypeScript(path.resolve(__dirname, '..'));
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file);
  } finally {
    unregister();
  }
}

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;

/** tsx's CommonJS hooks, and toolkit sources resolved to their compiled copies in `build`. */
function registerTypeScript(build: string): () => void {
  const sourceMaps = process.sourceMapsEnabled;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const unregisterTsx = (require('tsx/cjs/api') as { register(): () => void }).register();
  const internals = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolveFilename = internals._resolveFilename;
  const sources = `${REPOSITORY_ROOT}${path.sep}`;
  internals._resolveFilename = function (request, parent, ...rest) {
    const file = resolveFilename.call(this, request, parent, ...rest);
    if (!file.endsWith('.ts') || !file.startsWith(sources)) return file;
    const compiled = path.join(build, path.relative(REPOSITORY_ROOT, file)).replace(/\.ts$/, '.js');
    return fs.existsSync(compiled) ? compiled : file;
  };
  return () => {
    // Ours first: tsx restores the original resolver only when its own is still in place.
    internals._resolveFilename = resolveFilename;
    unregisterTsx();
    process.setSourceMapsEnabled(sourceMaps);
  };
}
