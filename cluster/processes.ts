/**
 * The cluster's processes: each runs detached in its own process group, logs to
 * `<dir>/<name>.log` and leaves its pid in `<dir>/<name>.pid`, so a later `cluster down` from
 * another process can find and stop it. A pid counts as ours only while its command line names
 * the cluster's directory, which guards against pid reuse.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ClusterProcess {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
}

export interface LaunchOptions {
  /** Run inside this named network namespace (`/run/netns/<name>`), in the host's mount namespace. */
  readonly netns?: string;
  /** Extra environment variables. @default - the caller's environment only */
  readonly env?: Record<string, string>;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function pidFile(dir: string, name: string): string {
  return path.join(dir, `${name}.pid`);
}

/** Start `bin` detached (its own process group, surviving this process), logging to `<dir>/<name>.log`. */
export function launch(
  dir: string,
  name: string,
  bin: string,
  args: string[],
  opts: LaunchOptions = {},
): ClusterProcess {
  const logFile = path.join(dir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  // nsenter enters only the network namespace and then execs `bin` (same pid): `ip netns exec`
  // would also give each process a mount namespace of its own, and the kubelet's volume mounts
  // must be visible to containerd.
  const [command, commandArgs] = opts.netns
    ? ['nsenter', [`--net=/run/netns/${opts.netns}`, '--', bin, ...args]]
    : [bin, args];
  try {
    const child = spawn(command, commandArgs, {
      cwd: dir,
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...opts.env },
    });
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    // Exit status is read from /proc by the waits; an error event only means spawn failed.
    child.on('error', () => undefined);
    child.unref();
    fs.writeFileSync(pidFile(dir, name), `${child.pid}\n`);
    return { name, pid: child.pid, log: logFile };
  } finally {
    fs.closeSync(fd);
  }
}

/** Is `pid` a live (non-zombie) process whose command line names `dir`? */
export function isOurs(pid: number, dir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) [ZX] /.test(stat)) return false;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(dir);
  } catch {
    // No /proc (not Linux): trust the pid file.
    return process.platform !== 'linux';
  }
}

/** Every live process whose command line names `dir` (containerd's shims, for one). */
export function processesNaming(dir: string): number[] {
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  return entries
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((pid) => pid !== process.pid && isOurs(pid, dir));
}

/** SIGTERM the process (group), wait up to `graceMs`, then SIGKILL. */
export async function terminate(pid: number, dir: string, graceMs = 10_000): Promise<void> {
  if (!isOurs(pid, dir)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the process group (spawned detached, so pid is its leader)
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < graceMs; waited += 100) {
    if (!isOurs(pid, dir)) return;
    await sleep(100);
  }
  signal('SIGKILL');
  for (let waited = 0; waited < 5_000; waited += 100) {
    if (!isOurs(pid, dir)) return;
    await sleep(100);
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Poll `check` until it returns true (else a reason); fail early if a started process died, and at the timeout. */
export async function waitUntil(
  what: string,
  timeoutMs: number,
  processes: readonly ClusterProcess[],
  check: () => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const result = await check();
      if (result === true) return;
      lastError = result;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    const dead = processes.find((p) => !isOurs(p.pid, path.dirname(p.log)));
    if (dead) {
      throw new Error(
        `${dead.name} exited while waiting for ${what}; last lines of ${dead.log}:\n${tail(dead.log)}`,
      );
    }
    if (Date.now() > deadline) {
      const logs = processes.map((p) => `--- ${p.log} (last lines)\n${tail(p.log)}`).join('\n');
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (${lastError})\n${logs}`);
    }
    await sleep(250);
  }
}
