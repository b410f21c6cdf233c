import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** `performance.now()` when the process ended, to order runs. */
  readonly endedAt: number;
}

export interface Running {
  readonly child: ChildProcess;
  /** What the process has written to stderr so far. */
  stderr(): string;
  readonly done: Promise<Finished>;
}

/**
 * Runs `bin/syskit.js` as a process of its own, the way a user or CI runs it. tsx's ESM hook is
 * registered too, so the CLI's lazily imported command modules resolve to their `.ts` sources.
 */
export function syskit(args: readonly string[]): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/syskit.js'), ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stdout, stderr, endedAt: performance.now() }),
    );
  });
  return { child, stderr: () => stderr, done };
}

/** Every file below `dir` (following the output link) and its content, by relative path. */
export function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else files[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return files;
}

/** Polls `condition` until it holds, or fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
