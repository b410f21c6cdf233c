import * as fs from 'node:fs';
import { cacheKey, readCached, writeCached } from '../tools/user-cache';

/**
 * The CommonJS that esbuild makes of a TypeScript declaration, kept on disk by content: the
 * declarations rarely change between runs, and an unchanged one then loads without starting
 * esbuild (a child process) or loading tsx at all, about 50 ms of CPU for the examples' seven
 * files. The key holds the source, its path (the inline source map names it), esbuild's version
 * and the options, so a changed file or toolkit never reuses an old result.
 *
 * The folder is the user's own (tools/user-cache.ts); when it cannot be written, declarations are
 * transpiled on every run instead.
 */
export function transpiledDeclaration(file: string, source: string): string {
  const key = cacheKey(JSON.stringify([esbuildVersion(), TRANSFORM_OPTIONS, file]), source);
  const cached = readCached(CACHE_KIND, key, '.js');
  if (cached !== undefined) return cached;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { transformSync } = require('esbuild') as typeof import('esbuild');
  const { code } = transformSync(source, { ...TRANSFORM_OPTIONS, sourcefile: file });
  writeCached(CACHE_KIND, key, '.js', code);
  return code;
}

const CACHE_KIND = 'declarations';

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
