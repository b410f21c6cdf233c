import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { writeTree, type FileBody } from './files';
import { FolderLock, type LockOptions } from './lock';
import {
  GENERATION,
  inspectOutput,
  isMarked,
  MARKER_TEXT,
  OUTPUT_MARKER,
  outputLayout,
  refuseForeign,
  type OutputLayout,
  type OutputState,
} from './ownership';

/** The lock file, in the state folder. */
const LOCK_FILE = 'lock';
/** The link to the next generation, made before it is renamed over the output path. */
const NEXT_LINK = 'next';
/** Where a plain output folder is moved when the first generation replaces it. */
const RETIRED = /^retired-/;

/**
 * syskit's output folder, open for one run: locked, checked to be syskit's, and cleaned of what
 * interrupted runs left behind.
 *
 * `<out>` is a symbolic link to one complete generation (`.<out>.syskit/gen-*`, beside it), so
 * `<out>/<env>/<system>.yaml` is a path through a link to plain folders and files, which every
 * tool reads (`kubectl apply -f dist/prod`). A run writes a whole new generation aside and then
 * renames a new link over `<out>` (rename(2) replaces it atomically): readers, and a run killed
 * at any instant, see the previous generation or the new one, never a mix and never neither.
 * The one exception is the first run over a plain folder (an older layout, or an empty folder),
 * which has to move that folder away before the link can take its place; a kill in that gap is
 * finished by the next run, which finds the prepared link and renames it into place.
 */
export class OutputFolder {
  /**
   * Checks, without changing anything, that syskit may write to `outArg`; throws a usage error
   * naming what is in the way otherwise. Cheap, so commands call it before rendering.
   */
  static check(outArg: string): OutputLayout {
    const layout = outputLayout(outArg);
    refuseForeign(layout, inspectOutput(layout));
    return layout;
  }

  /** Locks the folder (waiting while another run writes it), then recovers and cleans it. */
  static open(outArg: string, options: LockOptions = {}): OutputFolder {
    const layout = OutputFolder.check(outArg);
    claimStateFolder(layout);
    const lock = FolderLock.acquire(path.join(layout.state, LOCK_FILE), {
      label: layout.label,
      command: 'syskit synth',
      ...options,
    });
    try {
      // Look again: another run may have changed everything while this one waited.
      let state = inspectOutput(layout);
      refuseForeign(layout, state);
      state = finishInterruptedSwap(layout, state);
      removeLeftovers(layout, state);
      return new OutputFolder(layout, lock, state);
    } catch (error) {
      lock.release();
      throw error;
    }
  }

  private constructor(
    readonly layout: OutputLayout,
    private readonly lock: FolderLock,
    private state: OutputState,
  ) {}

  /** The folder holding the previous run's output, to carry over or reuse from. @default - none */
  get current(): string | undefined {
    if (this.state.kind === 'generation' || this.state.kind === 'folder') return this.state.root;
    return undefined;
  }

  /**
   * Makes `files` (named by their path below the output folder) the whole output, in one step.
   * On failure before that step, the previous output stays and the partial generation is removed.
   */
  commit(files: ReadonlyMap<string, FileBody>): void {
    const name = `gen-${Date.now().toString(36)}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const generation = path.join(this.layout.state, name);
    const next = path.join(this.layout.state, NEXT_LINK);
    fs.mkdirSync(generation);
    try {
      writeTree(generation, files);
      // Written last: a generation with a marker is complete, which is what recovery relies on.
      fs.writeFileSync(path.join(generation, OUTPUT_MARKER), MARKER_TEXT);
      fs.rmSync(next, { force: true });
      fs.symlinkSync(`${path.basename(this.layout.state)}/${name}`, next);
      this.moveAsidePlainFolder();
    } catch (error) {
      fs.rmSync(next, { force: true });
      fs.rmSync(generation, { recursive: true, force: true });
      throw error;
    }
    fs.renameSync(next, this.layout.out);
    const previous = this.current;
    this.state = { kind: 'generation', name, root: generation };
    if (previous && previous !== this.layout.out) fs.rmSync(previous, { recursive: true, force: true });
    removeLeftovers(this.layout, this.state);
  }

  /** Ends the run: the next one may write. */
  release(): void {
    this.lock.release();
  }

  /** A link cannot be renamed over a folder: an empty or older-layout folder is moved aside first. */
  private moveAsidePlainFolder(): void {
    if (this.state.kind === 'empty') {
      fs.rmdirSync(this.layout.out);
      this.state = { kind: 'absent' };
    } else if (this.state.kind === 'folder') {
      const retired = path.join(this.layout.state, `retired-${Date.now().toString(36)}`);
      fs.renameSync(this.layout.out, retired);
      this.state = { kind: 'folder', root: retired };
    }
  }
}

/**
 * Makes the state folder beside the output, or checks that the existing one is syskit's. An
 * empty one is taken over: a run killed between making it and marking it leaves it so.
 */
function claimStateFolder(layout: OutputLayout): void {
  try {
    fs.mkdirSync(path.dirname(layout.out), { recursive: true });
    fs.mkdirSync(layout.state);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') {
      throw new UsageError(
        `cannot write beside ${layout.label} (${(error as Error).message.split(',')[0]}); choose another --out`,
      );
    }
    if (code !== 'EEXIST') throw error;
  }
  if (isMarked(layout.state)) return;
  const stat = fs.lstatSync(layout.state);
  if (!stat.isDirectory() || fs.readdirSync(layout.state).length > 0) {
    throw new UsageError(
      `refusing to write to ${layout.label}: ${layout.state} is where syskit keeps its output, ` +
        `but it is not syskit's (no ${OUTPUT_MARKER} marker). Choose another --out, or move it away yourself`,
    );
  }
  // Written aside and renamed, so the marker is never seen half-written.
  const aside = path.join(layout.state, `${OUTPUT_MARKER}.${process.pid}.tmp`);
  fs.writeFileSync(aside, MARKER_TEXT);
  fs.renameSync(aside, path.join(layout.state, OUTPUT_MARKER));
}

/**
 * A run killed after moving a plain output folder aside and before renaming the new link into
 * place left no output: the link it prepared points to a complete generation, so finish the swap.
 */
function finishInterruptedSwap(layout: OutputLayout, state: OutputState): OutputState {
  const next = path.join(layout.state, NEXT_LINK);
  if (state.kind !== 'absent' || !isSymlink(next)) return state;
  const name = path.basename(fs.readlinkSync(next));
  if (!GENERATION.test(name) || !isMarked(path.join(layout.state, name))) return state;
  fs.renameSync(next, layout.out);
  return inspectOutput(layout);
}

/**
 * Removes what interrupted runs left in the state folder: generations that never became current
 * (or stopped being current), prepared links, retired plain folders, and lock files written
 * aside by processes that are gone. Only names syskit gives are touched.
 */
function removeLeftovers(layout: OutputLayout, state: OutputState): void {
  const keep = state.kind === 'generation' ? state.name : undefined;
  for (const entry of fs.readdirSync(layout.state)) {
    const stale =
      (GENERATION.test(entry) && entry !== keep) ||
      RETIRED.test(entry) ||
      entry === NEXT_LINK ||
      isLeftoverAside(entry);
    if (stale) fs.rmSync(path.join(layout.state, entry), { recursive: true, force: true });
  }
}

/** A file written aside (`<name>.<pid>[.<random>].tmp`) by a process that no longer runs. */
function isLeftoverAside(entry: string): boolean {
  const match = /\.(\d+)(\.[0-9a-f]+)?\.tmp$/.exec(entry);
  if (!match) return false;
  try {
    process.kill(Number(match[1]), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
