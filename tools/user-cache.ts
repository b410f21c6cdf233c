import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Results syskit can compute again at any time, kept by a hash of everything they depend on, in
 * the user's own cache folder (`$XDG_CACHE_HOME/syskit/<kind>`, else `~/.cache/syskit/<kind>`),
 * beside the tools syskit builds: never a shared temporary folder whose files another user could
 * plant. A folder that cannot be written only means the result is computed again next time.
 */
export function cacheKey(...parts: readonly (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

function entryPath(kind: string, key: string, extension: string): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'syskit', kind, `${key}${extension}`);
}

/** The cached text, or undefined when there is none (or it cannot be read). */
export function readCached(kind: string, key: string, extension: string): string | undefined {
  try {
    return fs.readFileSync(entryPath(kind, key, extension), 'utf8');
  } catch {
    return undefined;
  }
}

/** Written aside and renamed, so a concurrent run reads no entry or the whole one. */
export function writeCached(kind: string, key: string, extension: string, text: string): void {
  const file = entryPath(kind, key, extension);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const aside = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(aside, text, { mode: 0o600 });
    fs.renameSync(aside, file);
  } catch {
    // A read-only home: computed again next time.
  }
}
