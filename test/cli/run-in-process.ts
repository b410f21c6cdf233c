import type { Io } from '../../cli/io';
import { main } from '../../cli/main';

export interface Captured {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/**
 * Runs the CLI in this process with captured output: the command's exit code and what it
 * printed, stdout and stderr each joined by newlines. Tests of process-level behaviour (signals,
 * start-up, concurrency) spawn `bin/syskit.js` instead (syskit-process.ts).
 */
export async function runCli(...args: string[]): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
  const code = await main(args, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}
