import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RenderedFile } from './engine';
import { toolkitFingerprint } from './fingerprint';
import { listTree, type FileBody } from './output';

/**
 * Where an environment's cache lives in the output: beside the environments' folders, not in
 * them, so that `kubectl apply -f <out>/<env>` (which reads every `.json` file) sees manifests only.
 */
export function cacheFile(env: string): string {
  return `.syskit-cache/${env}.json`;
}

export interface CacheManifest {
  readonly toolkit: string;
  /** Input hash per rendered file (see synth/fingerprint.ts). */
  readonly files: Readonly<Record<string, string>>;
  /** Object count per file, so a reused file is never parsed just to be counted. */
  readonly objects: Readonly<Record<string, number>>;
  /**
   * Content hash of every file syskit wrote in the environment's folder, companions included,
   * so a file edited or deleted by hand is noticed and rendered again instead of trusted.
   */
  readonly outputs: Readonly<Record<string, string>>;
}

/** The previous run's output of one environment, when its manifest can be trusted. */
export interface PreviousOutput {
  readonly manifest: CacheManifest;
  /** The environment's files, as links into the previous output. */
  readonly files: Map<string, { link: string }>;
}

export type CacheRead =
  | { readonly kind: 'none' }
  | { readonly kind: 'found'; readonly previous: PreviousOutput }
  /** The cache file exists but cannot be used; `problem` says why, for a warning. */
  | { readonly kind: 'damaged'; readonly problem: string };

/**
 * Reads the cache of `env` in the output folder `root` (a generation, or a link to one). A cache
 * from another toolkit is simply out of date; a damaged one is reported, and both cost a render.
 */
export function readCache(root: string, env: string): CacheRead {
  let real: string;
  try {
    // Resolved once, so the manifest and the files come from the same generation.
    real = fs.realpathSync(root);
  } catch {
    return { kind: 'none' };
  }
  const text = readIfExists(path.join(real, cacheFile(env)));
  if (text === undefined) return { kind: 'none' };
  const manifest = parseManifest(text);
  if (typeof manifest === 'string') return { kind: 'damaged', problem: manifest };
  if (manifest.toolkit !== toolkitFingerprint()) return { kind: 'none' };
  return { kind: 'found', previous: { manifest, files: listTree(path.join(real, env)) } };
}

/** The manifest, or what is wrong with it. */
export function parseManifest(text: string): CacheManifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
  const m = value as Partial<CacheManifest> | null;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return 'expected a JSON object';
  if (typeof m.toolkit !== 'string') return 'toolkit: expected a string';
  for (const [key, type] of [
    ['files', 'string'],
    ['objects', 'number'],
    ['outputs', 'string'],
  ] as const) {
    const record = m[key] as unknown;
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return `${key}: expected an object`;
    }
    const wrong = Object.entries(record).find(([, v]) => typeof v !== type);
    if (wrong) return `${key}.${wrong[0]}: expected a ${type}`;
  }
  return m as CacheManifest;
}

/** Something the previous output got wrong, like a file changed outside syskit. */
export interface OutputWarning {
  /** Below the output folder, like `prod/commerce.yaml`. */
  readonly path: string;
  readonly message: string;
}

/** A file of the previous run that may be linked into this one, with its verified content. */
export interface Reused {
  readonly source: string;
  readonly objects: number;
  readonly content: string;
}

/**
 * The previous run's `file` (and the companion files in `dir`), if its input hash is `hash` and
 * every one of those files still has the content hash syskit recorded when writing it; what is
 * wrong with the first one that does not (edited, deleted or added by hand; its path below the
 * environment's folder); or undefined when the inputs changed.
 */
export function verifiedReuse(
  previous: PreviousOutput,
  file: string,
  hash: string,
  dir?: string,
): Reused | OutputWarning | undefined {
  const { manifest, files } = previous;
  const objects = manifest.objects[file];
  if (manifest.files[file] !== hash || objects === undefined || !manifest.outputs[file]) return undefined;
  const mine = (name: string) => name === file || (dir !== undefined && name.startsWith(`${dir}/`));
  let content: Buffer | undefined;
  for (const name of Object.keys(manifest.outputs).filter(mine)) {
    const link = files.get(name)?.link;
    if (!link) return { path: name, message: 'deleted outside syskit' };
    const bytes = fs.readFileSync(link);
    if (contentHash(bytes) !== manifest.outputs[name])
      return { path: name, message: 'changed outside syskit' };
    if (name === file) content = bytes;
  }
  const added = [...files.keys()].find((name) => mine(name) && manifest.outputs[name] === undefined);
  if (added) return { path: added, message: 'added outside syskit' };
  return { source: files.get(file)!.link, objects, content: content!.toString('utf8') };
}

/** The hash the cache records for a file's content. */
export function contentHash(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

/**
 * The manifest to write for an environment whose folder will hold `files`. Input hashes and
 * counts come from this run's files, or from `previous` for files carried over. Content hashes
 * come from what this run wrote, and for files it linked from the previous run, from `previous`:
 * never from the linked file itself, or a hand edit to a carried-over file would be recorded
 * as syskit's own and trusted from then on.
 */
export function cacheManifest(
  files: ReadonlyMap<string, FileBody>,
  rendered: readonly RenderedFile[],
  previous?: CacheManifest,
): string {
  const inputs: Record<string, string> = { ...(previous?.files ?? {}) };
  const objects: Record<string, number> = { ...(previous?.objects ?? {}) };
  for (const f of rendered) {
    if (!f.hash) continue;
    inputs[f.file] = f.hash;
    objects[f.file] = f.objects;
  }
  const outputs: Record<string, string> = {};
  for (const [name, body] of files) {
    const hash = typeof body === 'string' ? contentHash(body) : previous?.outputs[name];
    if (hash) outputs[name] = hash;
  }
  const keep = <T>(entries: Record<string, T>) =>
    Object.fromEntries(
      Object.entries(entries)
        .filter(([name]) => files.has(name))
        .sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  return `${JSON.stringify(
    { toolkit: toolkitFingerprint(), files: keep(inputs), objects: keep(objects), outputs: keep(outputs) },
    null,
    2,
  )}\n`;
}

/** The previous manifest of an environment in `root`, if it is intact (damage was reported on reading). */
export function previousManifest(root: string | undefined, env: string): CacheManifest | undefined {
  if (!root) return undefined;
  const text = readIfExists(path.join(root, cacheFile(env)));
  const manifest = text === undefined ? undefined : parseManifest(text);
  return typeof manifest === 'object' ? manifest : undefined;
}

/** The text of a cache file, undefined when there is none; a folder in its place reads as damaged. */
function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'EISDIR') return '';
    throw error;
  }
}
