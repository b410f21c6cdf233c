import * as os from 'node:os';
import { ConcurrentUpdateError } from '@pulumi/pulumi/automation';
import { ExternalFailure } from '../synth/errors';

/** A process holding a stack's lock, as Pulumi's backend records it. */
export interface LockHolder {
  readonly user: string;
  readonly host: string;
  readonly pid: number;
  readonly since: string;
  /** Where the lock file is, for the record. */
  readonly file: string;
}

/**
 * The holders Pulumi names when it refuses a locked stack:
 * `  s3://bucket/.pulumi/locks/...json: created by user@host (pid 123) at 2025-01-01T00:00:00Z`.
 */
export function lockHolders(message: string): LockHolder[] {
  const holders = new Map<string, LockHolder>();
  const line = /^\s*(\S+): created by (.*)@([^@\s]+) \(pid (\d+)\) at (\S+)\s*$/gm;
  // Pulumi prints the refusal more than once (as a diagnostic and as the final error).
  for (const m of message.matchAll(line)) {
    holders.set(m[1], { file: m[1], user: m[2], host: m[3], pid: Number(m[4]), since: m[5] });
  }
  return [...holders.values()];
}

/** True when Pulumi refused because another run holds the stack. */
export function isLocked(error: unknown): boolean {
  if (error instanceof ConcurrentUpdateError) return true;
  return /the stack is currently locked by/.test(String((error as Error)?.message ?? error));
}

/**
 * A lock whose process is gone: it was taken on this machine by a pid that no longer runs (a
 * run killed with SIGKILL, a crashed runner). Locks from other machines are never judged
 * stale, since their processes cannot be seen from here.
 */
export function isStale(holder: LockHolder, hostname = os.hostname(), alive = processAlive): boolean {
  return holder.host === hostname && !alive(holder.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack stayed locked by a live run past the retry budget: an external failure (exit 3). */
export class StackLocked extends ExternalFailure {
  constructor(
    readonly stackName: string,
    readonly holders: readonly LockHolder[],
    waitedSeconds: number,
  ) {
    const who =
      holders.length === 0
        ? 'another run'
        : holders.map((h) => `${h.user}@${h.host} (pid ${h.pid}) since ${h.since}`).join(', ');
    super(
      `stack ${stackName} is locked by ${who}; waited ${waitedSeconds}s. ` +
        `If that run is over (a killed CI job on another machine), clear the lock with: ` +
        `pulumi cancel --yes --stack ${stackName} (with PULUMI_BACKEND_URL set to this backend)`,
    );
    this.name = 'StackLocked';
  }
}

export interface LockRetry {
  /** How many times to try in all. @default 30 */
  readonly attempts?: number;
  /** Wait between attempts, in ms; a random quarter is added so two waiters do not retry in step. @default 5000 */
  readonly delayMs?: number;
  /** Told about every wait and every stale lock cleared. @default - silent */
  readonly log?: (line: string) => void;
}

/**
 * Runs one Pulumi operation on a stack, waiting while another run holds its lock. Pulumi's
 * file and S3 backends take the lock by writing a file and then listing the others, so two runs
 * that start together can both back off: the jittered retry lets one of them win. A lock left
 * by a process that died on this machine is cleared (`pulumi cancel` removes lock files only;
 * the state itself is untouched) and the run goes ahead.
 */
export async function withStackLock<T>(
  stack: { readonly name: string; cancel(): Promise<void> },
  run: () => Promise<T>,
  options: LockRetry = {},
): Promise<T> {
  const attempts = options.attempts ?? Number(process.env.SYSKIT_LOCK_ATTEMPTS ?? 30);
  const delayMs = options.delayMs ?? Number(process.env.SYSKIT_LOCK_DELAY_MS ?? 5000);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isLocked(error)) throw error;
      const holders = lockHolders(String((error as Error).message ?? error));
      if (holders.length > 0 && holders.every((h) => isStale(h)) && attempt < attempts) {
        log(
          `${stack.name}: clearing a stale lock of ${holders.map((h) => `pid ${h.pid} (no longer running)`).join(', ')}`,
        );
        await stack.cancel();
        continue;
      }
      if (attempt >= attempts) {
        throw new StackLocked(stack.name, holders, Math.round((Date.now() - started) / 1000));
      }
      const wait = Math.round(delayMs * (1 + Math.random() / 4));
      const who = holders.map((h) => `${h.user}@${h.host} pid ${h.pid}`).join(', ') || 'another run';
      log(
        `${stack.name}: locked by ${who}; retrying in ${Math.round(wait / 1000)}s (attempt ${attempt + 1} of ${attempts})`,
      );
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
