import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RenderedFile } from './engine';
import { toolkitFingerprint } from './fingerprint';
import { readDirectory } from './output';

/** Beside each environment's output: the input hash of every file, for incremental runs. */
export const CACHE_FILE = '.syskit-cache.json';

export interface CacheManifest {
  readonly toolkit: string;
  readonly files: Readonly<Record<string, string>>;
}

/** The previous run's output and manifest, when the manifest is from this very toolkit. */
export function readCache(
  outDir: string,
  env: string,
): { manifest: CacheManifest; files: Map<string, string> } | undefined {
  const manifestPath = path.join(outDir, env, CACHE_FILE);
  if (!fs.existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as CacheManifest;
    if (manifest.toolkit !== toolkitFingerprint()) return undefined;
    return { manifest, files: readDirectory(outDir, env) };
  } catch {
    // A damaged manifest only costs a full render.
    return undefined;
  }
}

/** The manifest to write beside an environment's files. */
export function cacheManifest(
  files: ReadonlyMap<string, string>,
  rendered: readonly RenderedFile[],
  previous?: CacheManifest,
): string {
  const entries: Record<string, string> = { ...(previous?.files ?? {}) };
  for (const f of rendered) if (f.hash) entries[f.file] = f.hash;
  for (const name of Object.keys(entries)) if (!files.has(name)) delete entries[name];
  const sorted = Object.fromEntries(Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${JSON.stringify({ toolkit: toolkitFingerprint(), files: sorted }, null, 2)}\n`;
}
