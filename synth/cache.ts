import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RenderedFile } from './engine';
import { toolkitFingerprint } from './fingerprint';
import { listDirectory, type FileBody } from './output';

/** Beside each environment's output: the input hash of every file, for incremental runs. */
export const CACHE_FILE = '.syskit-cache.json';

export interface CacheManifest {
  readonly toolkit: string;
  /** Input hash per file. */
  readonly files: Readonly<Record<string, string>>;
  /** Object count per file, so a reused file is never read just to be counted. */
  readonly objects?: Readonly<Record<string, number>>;
}

/** The previous run's output and manifest, when the manifest is from this very toolkit. */
export function readCache(
  outDir: string,
  env: string,
): { manifest: CacheManifest; files: Map<string, { link: string }> } | undefined {
  const manifestPath = path.join(outDir, env, CACHE_FILE);
  if (!fs.existsSync(manifestPath)) return undefined;
  try {
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as CacheManifest;
    if (manifest.toolkit !== toolkitFingerprint()) return undefined;
    return { manifest, files: listDirectory(outDir, env) };
  } catch {
    // A damaged manifest only costs a full render.
    return undefined;
  }
}

/** The manifest to write beside an environment's files. */
export function cacheManifest(
  files: ReadonlyMap<string, FileBody>,
  rendered: readonly RenderedFile[],
  previous?: CacheManifest,
): string {
  const hashes: Record<string, string> = { ...(previous?.files ?? {}) };
  const objects: Record<string, number> = { ...(previous?.objects ?? {}) };
  for (const f of rendered) {
    if (!f.hash) continue;
    hashes[f.file] = f.hash;
    objects[f.file] = f.objects;
  }
  const keep = (entries: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([name]) => files.has(name))
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return `${JSON.stringify({ toolkit: toolkitFingerprint(), files: keep(hashes), objects: keep(objects) }, null, 2)}\n`;
}
