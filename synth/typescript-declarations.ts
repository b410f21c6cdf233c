import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { REPOSITORY_ROOT } from '../model/repository-root';
import { transpiledDeclaration } from './transpiled-declarations';

/**
 * Loads a declaration written in TypeScript (`charts/*.ts`, `--systems file.ts`). Run from the
 * sources (tsx, ts-jest), `require` already can. Run from the compiled build, `.ts` files load
 * as esbuild transpiles them (cached by content, synth/transpiled-declarations.ts) only while the
 * declaration loads, and the declaration's imports of the toolkit (`../model`) resolve to the
 * compiled modules the CLI itself runs: one copy of each, not a second one transpiled from the
 * sources.
 *
 * Only while: hooks left in place see every later `require` too. With tsx, whose source maps made
 * Node read the map of every module loaded after (cdk8s ships one inline in each file), loading
 * cdk8s-plus-28 after a declaration cost 240 ms of CPU instead of 95 ms.
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

/** Roots of other versions of this repository being read (a diff's base), while they are read. */
const copies = new Set<string>();

/**
 * While registered, a toolkit source under `root` (another version of this repository, such as
 * the base of a diff) that is byte-identical to the working copy's file at the same place loads
 * as that file's compiled module, like the working copy's own: only what differs is transpiled.
 */
export function registerRepositoryCopy(root: string): () => void {
  const key = path.resolve(root);
  copies.add(key);
  return () => copies.delete(key);
}

/** The working copy's source that `file` stands for: itself, or its byte-identical twin. */
function workingCopySource(file: string, sources: string): string | undefined {
  if (file.startsWith(sources)) return file;
  for (const root of copies) {
    if (!file.startsWith(`${root}${path.sep}`)) continue;
    const twin = path.join(REPOSITORY_ROOT, path.relative(root, file));
    if (fs.existsSync(twin) && fs.readFileSync(twin).equals(fs.readFileSync(file))) return twin;
  }
  return undefined;
}

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;
type Compile = (module: { _compile(code: string, file: string): void }, file: string) => void;

/**
 * A loader for `.ts` files, and toolkit sources resolved to their compiled copies in `build`.
 * A relative `./x.js` that names a TypeScript file (`./x.ts`), as TypeScript's own module
 * resolution allows, resolves to it.
 */
function registerTypeScript(build: string): () => void {
  const internals = Module as unknown as {
    _resolveFilename: ResolveFilename;
    _extensions: Record<string, Compile | undefined>;
  };
  const resolveFilename = internals._resolveFilename;
  const previousLoader = internals._extensions['.ts'];
  const sources = `${REPOSITORY_ROOT}${path.sep}`;
  internals._extensions['.ts'] = (module, file) =>
    module._compile(transpiledDeclaration(file, fs.readFileSync(file, 'utf8')), file);
  internals._resolveFilename = function (request, parent, ...rest) {
    let file: string;
    try {
      file = resolveFilename.call(this, request, parent, ...rest);
    } catch (error) {
      if (!/^\.\.?\/.*\.js$/.test(request)) throw error;
      file = resolveFilename.call(this, request.replace(/\.js$/, '.ts'), parent, ...rest);
    }
    const source = file.endsWith('.ts') ? workingCopySource(file, sources) : undefined;
    if (source === undefined) return file;
    const compiled = path.join(build, path.relative(REPOSITORY_ROOT, source)).replace(/\.ts$/, '.js');
    return fs.existsSync(compiled) ? compiled : file;
  };
  return () => {
    internals._resolveFilename = resolveFilename;
    if (previousLoader) internals._extensions['.ts'] = previousLoader;
    else delete internals._extensions['.ts'];
  };
}
