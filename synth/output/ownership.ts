import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';

/**
 * The file that says "syskit wrote this folder and may replace it": at the top of every output
 * generation (so users see it as `<out>/.syskit-output`) and of the folder that holds them.
 */
export const OUTPUT_MARKER = '.syskit-output';

export const MARKER_TEXT =
  'Written by `syskit synth`, which replaces this whole folder on every run.\n' +
  'Keep nothing of your own here: it would be deleted.\n';

/** Where syskit keeps an output folder's generations: beside it, `.<name>.syskit`. */
export const STATE_SUFFIX = '.syskit';

/** A generation's folder name inside the state folder. */
export const GENERATION = /^gen-[0-9a-z]+-\d+-[0-9a-f]+$/;

/** The output folder as the user named it, and where its parts live. */
export interface OutputLayout {
  /** As given on the command line, for messages. */
  readonly label: string;
  /** Absolute path users read: a symbolic link to the current generation. */
  readonly out: string;
  /** Absolute path of the folder holding the generations, the lock and the marker. */
  readonly state: string;
}

/** Checks the `--out` value and derives the layout from it; a usage error for an unusable value. */
export function outputLayout(outArg: string): OutputLayout {
  if (outArg.trim() === '') {
    throw new UsageError(
      `--out expects a folder to write manifests to, got an empty value; for example --out dist`,
    );
  }
  const out = path.resolve(outArg);
  const parent = path.dirname(out);
  if (parent === out) {
    throw new UsageError(
      `--out ${outArg} names the root of the file system; choose a folder, for example --out dist`,
    );
  }
  return { label: outArg, out, state: path.join(parent, `.${path.basename(out)}${STATE_SUFFIX}`) };
}

/** What is at the output path now. */
export type OutputState =
  /** Nothing: the first run, or a swap that was interrupted after the old folder was moved away. */
  | { readonly kind: 'absent' }
  /** A link to one of syskit's generations; `root` is that generation, when it still exists. */
  | { readonly kind: 'generation'; readonly name: string; readonly root?: string }
  /** An empty folder (made by hand or by a build tool): taken over, since nothing can be lost. */
  | { readonly kind: 'empty' }
  /**
   * A plain folder that syskit wrote: a copy of its output (it carries the marker) or the layout
   * of older versions (per-environment folders, each with its `.syskit-cache.json`).
   */
  | { readonly kind: 'folder'; readonly root: string }
  /** Anything else: never replaced. `reason` says what was found. */
  | { readonly kind: 'foreign'; readonly reason: string; readonly file?: boolean };

/** What the output path holds, looked at without changing anything. */
export function inspectOutput(layout: OutputLayout): OutputState {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(layout.out);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { kind: 'absent' };
    if (code === 'ENOTDIR') return { kind: 'foreign', reason: `a part of its path is a file, not a folder` };
    throw error;
  }
  if (stat.isSymbolicLink()) {
    const target = fs.readlinkSync(layout.out);
    const [dir, name, ...rest] = target.split('/');
    if (dir === path.basename(layout.state) && name && GENERATION.test(name) && rest.length === 0) {
      const root = path.join(layout.state, name);
      return { kind: 'generation', name, root: isMarked(root) ? root : undefined };
    }
    return { kind: 'foreign', reason: `it is a link to ${target}, which syskit did not make` };
  }
  if (!stat.isDirectory()) return { kind: 'foreign', reason: 'it is a file, not a folder', file: true };
  if (isMarked(layout.out)) return { kind: 'folder', root: layout.out };
  const entries = fs
    .readdirSync(layout.out, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (entries.length === 0) return { kind: 'empty' };
  const strangers = entries.filter((e) => !isLegacyEntry(layout.out, e));
  if (strangers.length === 0) return { kind: 'folder', root: layout.out };
  const shown = strangers
    .slice(0, 5)
    .map((e) => `${e.name}${e.isDirectory() ? '/' : ' (a file)'}`)
    .join(', ');
  return {
    kind: 'foreign',
    reason: `it holds ${shown}${strangers.length > 5 ? `, and ${strangers.length - 5} more` : ''}, which syskit did not write`,
  };
}

/** Throws the refusal for a foreign output path; says how to choose another `--out`. */
export function refuseForeign(layout: OutputLayout, state: OutputState): void {
  if (state.kind !== 'foreign') return;
  if (state.file) {
    throw new UsageError(
      `--out ${layout.label} is a file, not a folder; choose a folder for the manifests, for example --out dist`,
    );
  }
  throw new UsageError(
    `refusing to write to ${layout.label}: ${state.reason}. syskit replaces its output folder as a whole, ` +
      `so it only writes where it wrote before (marked by ${OUTPUT_MARKER}) or where nothing is yet. ` +
      `Choose another --out (a new or empty folder), or move ${layout.label} away yourself`,
  );
}

/** An environment folder written by syskit before generations, or a leftover of one of its runs. */
function isLegacyEntry(root: string, entry: fs.Dirent): boolean {
  if (!entry.isDirectory()) return false;
  if (/^\..+\.(new|old)-[A-Za-z0-9]+$/.test(entry.name)) return true;
  return !entry.name.startsWith('.') && isFile(path.join(root, entry.name, '.syskit-cache.json'));
}

/** Whether a folder carries syskit's marker. */
export function isMarked(dir: string): boolean {
  return isFile(path.join(dir, OUTPUT_MARKER));
}

function isFile(p: string): boolean {
  try {
    return fs.lstatSync(p).isFile();
  } catch {
    return false;
  }
}
