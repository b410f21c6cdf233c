import * as readline from 'node:readline/promises';

/** Where the CLI writes; tests swap it to capture output. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  /**
   * Asks the person at the terminal and returns the answer; absent when no terminal is
   * attached (CI, a pipe), so destructive commands need their confirmation on the command line.
   */
  ask?(question: string): Promise<string>;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ...(process.stdin.isTTY && process.stderr.isTTY
    ? {
        ask: async (question: string) => {
          const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await rl.question(question);
          } finally {
            rl.close();
          }
        },
      }
    : {}),
};

/** Exit codes: what a script calling syskit can rely on. */
export const EXIT = {
  ok: 0,
  /** The declarations are invalid, or a policy denies what they would create. */
  invalid: 1,
  /** The command line is wrong: unknown flag, environment or system, missing file. */
  usage: 2,
  /** Something outside the input failed (a tool could not be built, a cluster refused). */
  failure: 3,
} as const;
