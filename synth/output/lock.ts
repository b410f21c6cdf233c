import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { OutputBusyError } from '../errors';

/** Who holds a lock, as recorded in the lock file. */
export interface LockHolder {
  readonly pid: number;
  readonly host: string;
  /** When the holder took the lock (ISO 8601). */
  readonly started: string;
  /** What the holder is doing, for the message another run prints (`syskit synth`). */
  readonly command: string;
  /**
   * The holder process's start time as the kernel counts it (`/proc/<pid>/stat`), so a pid that
   * was reused by an unrelated process after the holder died is not mistaken for the holder.
   * @default - pid liveness only
   */
  readonly processStart?: string;
}

export interface LockOptions {
  /** How long to wait for another run's lock before giving up, in milliseconds. @default 120000 */
  readonly waitMs?: number;
  /** Told when another run holds the lock: once at first, then every 10 seconds of waiting. @default - silent */
  readonly onWait?: (message: string) => void;
  /** Recorded as the holder's command. @default 'syskit' */
  readonly command?: string;
  /** How the locked thing is named in messages (`dist`). @default - the lock file's path */
  readonly label?: string;
}

export const DEFAULT_LOCK_WAIT_MS = 120_000;
const POLL_MS = 100;
const REPORT_EVERY_MS = 10_000;
/** A lock file whose content cannot be read is being written; one this old was left by a crash. */
const UNREADABLE_STALE_MS = 10_000;

/**
 * An exclusive lock on a folder, held by one process at a time, across processes and runs.
 *
 * The lock is a file created atomically with its content (written aside, then hard-linked into
 * place, which fails if the file exists), so a reader never sees a half-written holder. A holder
 * that died without releasing (kill -9, a crash, a reboot) is detected on this host by its pid
 * and process start time, and its lock is taken over; a holder on another host cannot be
 * checked, so the waiter waits and then names it. Taking over a stale lock is itself serialized
 * by a short-lived `<lock>.break` file, so two waiters can never both remove the stale lock and
 * then each remove the other's fresh one.
 */
export class FolderLock {
  /** Takes the lock, waiting (visibly, when `onWait` is given) while another live process holds it. */
  static acquire(file: string, options: LockOptions = {}): FolderLock {
    const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS;
    const label = options.label ?? file;
    const mine = holderRecord(options.command ?? 'syskit');
    const started = Date.now();
    let lastReport = -Infinity;
    for (;;) {
      if (createExclusive(file, mine)) return new FolderLock(file, mine);
      const seen = observe(file);
      if (!seen) continue;
      if (seen.holder?.pid === process.pid && seen.holder.host === os.hostname()) {
        throw new Error(`${label} is already locked by this process`);
      }
      if (isStale(seen)) {
        breakStale(file, seen);
        continue;
      }
      const now = Date.now();
      if (now - started >= waitMs) {
        throw new OutputBusyError(
          `${label} is locked by ${describeHolder(seen.holder)}, still after ${seconds(waitMs)}; ` +
            `wait for that run to finish, or if it is gone (on another machine, say), remove ${file} and run again`,
        );
      }
      if (now - lastReport >= REPORT_EVERY_MS) {
        lastReport = now;
        options.onWait?.(
          `waiting for ${label}: locked by ${describeHolder(seen.holder)} (waited ${seconds(now - started)} of ${seconds(waitMs)})`,
        );
      }
      sleep(Math.min(POLL_MS, waitMs - (now - started)));
    }
  }

  private released = false;

  private constructor(
    readonly file: string,
    private readonly record: string,
  ) {}

  /** Removes the lock file, if it is still this holder's (it is never someone else's to remove). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (readText(this.file) === this.record) fs.rmSync(this.file, { force: true });
  }
}

/** The lock file as found: its raw text, identity and holder, or undefined when it vanished. */
interface Observed {
  readonly raw: string;
  readonly ino: number;
  readonly ageMs: number;
  readonly holder?: LockHolder;
}

function holderRecord(command: string): string {
  const holder: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command,
    processStart: processStart(process.pid),
  };
  return `${JSON.stringify(holder)}\n`;
}

/** Creates `file` holding `content` if it does not exist; false if it does. */
function createExclusive(file: string, content: string): boolean {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  fs.writeFileSync(aside, content);
  try {
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    // A file system without hard links: O_EXCL, where a reader may briefly see an empty file.
    return createWithExclusiveOpen(file, content);
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function createWithExclusiveOpen(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fs.writeSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return true;
}

function observe(file: string): Observed | undefined {
  let stat: fs.Stats;
  let raw: string;
  try {
    stat = fs.statSync(file);
    raw = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { raw, ino: stat.ino, ageMs: Date.now() - stat.mtimeMs, holder: parseHolder(raw) };
}

function parseHolder(raw: string): LockHolder | undefined {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') return value as LockHolder;
  } catch {
    // fall through: not (yet) a holder record
  }
  return undefined;
}

function isStale(seen: Observed): boolean {
  return seen.holder ? isGone(seen.holder) : seen.ageMs > UNREADABLE_STALE_MS;
}

/** Whether the holder's process no longer runs; a holder on another host is assumed alive. */
export function isGone(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const start = holder.processStart === undefined ? undefined : processStart(holder.pid);
  return start !== undefined && start !== holder.processStart;
}

/** Removes the stale lock `seen`, unless it changed meanwhile; one breaker at a time. */
function breakStale(file: string, seen: Observed): void {
  const breaker = `${file}.break`;
  if (!createExclusive(breaker, holderRecord('breaking a stale lock'))) {
    // A breaker holds this file for microseconds; one that stays was left by a crash.
    const other = observe(breaker);
    if (other && isStale(other)) fs.rmSync(breaker, { force: true });
    else sleep(POLL_MS / 10);
    return;
  }
  try {
    const now = observe(file);
    if (now && now.ino === seen.ino && now.raw === seen.raw) fs.rmSync(file, { force: true });
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

/** Field 22 of `/proc/<pid>/stat`: the process start time in clock ticks since boot (Linux only). */
function processStart(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses; fields after it do not.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'a run that is still writing its lock record';
  return `${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.started})`;
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}

/** Blocks this thread: the lock is taken by synchronous code that has nothing else to do meanwhile. */
function sleep(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
