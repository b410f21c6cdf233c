import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * The CommonJS that esbuild makes of a TypeScript declaration, kept on disk by content: the
 * declarations rarely change between runs, and an unchanged one then loads without starting
 * esbuild (a child process) or loading tsx at all, about 50 ms of CPU for the examples' seven
 * files. The key holds the source, its path (the inline source map names it), esbuild's version
 * and the options, so a changed file or toolkit never reuses an old result.
 *
 * The folder is the user's own (`$XDG_CACHE_HOME/syskit`, else `~/.cache/syskit`), beside the
 * tools syskit builds, never a shared temporary folder whose files another user could plant.
 * When it cannot be written, declarations are transpiled on every run instead.
 */
export function transpiledDeclaration(file: string, source: string): string {
  const esbuild = esbuildVersion();
  const key = createHash('sha256')
    .update(JSON.stringify([esbuild, TRANSFORM_OPTIONS, file]))
    .update('\0')
    .update(source)
    .digest('hex');
  const cached = path.join(cacheFolder(), `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // Not cached yet (or unreadable): transpiled below.
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { transformSync } = require('esbuild') as typeof import('esbuild');
  const { code } = transformSync(source, { ...TRANSFORM_OPTIONS, sourcefile: file });
  store(cached, code);
  return code;
}

/** What tsx asks of esbuild for a CommonJS module, with the source map inline for stack traces. */
const TRANSFORM_OPTIONS = {
  loader: 'ts',
  format: 'cjs',
  target: `node${process.versions.node.split('.')[0]}`,
  sourcemap: 'inline',
} as const;

function esbuildVersion(): string {
  // The package file only: loading esbuild itself is what a cached result saves.
  const manifest = require.resolve('esbuild/package.json');
  return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
}

function cacheFolder(): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'syskit', 'declarations');
}

/** Written aside and renamed, so a concurrent run reads the old state or the whole file. */
function store(file: string, code: string): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const aside = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(aside, code, { mode: 0o600 });
    fs.renameSync(aside, file);
  } catch {
    // A read-only home: the next run transpiles again.
  }
}
