import { ValidationError, formatIssues } from '../model';
import { UsageError } from '../synth/engine';
import { LoadError } from '../synth/load';
import { EXIT, processIo, type Io } from './io';
import { clusterCommand } from './cluster';
import { deployCommand } from './deploy';
import { envCommand } from './env';
import { graphCommand } from './graph';
import { synthCommand } from './synth';
import { validateCommand } from './validate';

type Command = (args: string[], io: Io) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  synth: { run: synthCommand, summary: 'validate the systems and write manifests for each environment' },
  validate: {
    run: validateCommand,
    summary: 'validate the systems and check their manifests against the policies',
  },
  graph: { run: graphCommand, summary: 'print the resolved call graph and routes (Mermaid or JSON)' },
  preview: { run: deployCommand('preview'), summary: 'show what applying an environment would change' },
  up: { run: deployCommand('up'), summary: 'apply an environment to a cluster with Pulumi' },
  destroy: { run: deployCommand('destroy'), summary: "delete everything an environment's stack applied" },
  env: { run: envCommand, summary: 'ephemeral per-pull-request environments: up, list, down, gc' },
  cluster: {
    run: clusterCommand,
    summary: 'start or stop a local control plane for tests and local applies',
  },
};

export const MAIN_HELP = `Usage: syskit <command> [options]

Declare each system once in TypeScript; get validated, secure Kubernetes
manifests for every environment.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(22)}${c.summary}`)
  .join('\n')}

Run "syskit <command> --help" for a command's options.

Exit codes: 0 ok, 1 invalid declarations or policy violations, 2 usage error,
3 an external tool or cluster failed.`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(MAIN_HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`syskit: unknown command "${name}"\n\n${MAIN_HELP}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return report(error, io);
  }
}

/** Maps failures to exit codes; anything unexpected is a failure, never a silent success. */
export function report(error: unknown, io: Io): number {
  if (error instanceof ValidationError) {
    io.err(
      `syskit: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found; nothing was written`,
    );
    io.err(formatIssues(error.issues));
    return EXIT.invalid;
  }
  if (error instanceof UsageError || error instanceof LoadError) {
    io.err(`syskit: ${error.message}`);
    return EXIT.usage;
  }
  io.err(`syskit: ${(error as Error)?.stack ?? String(error)}`);
  return EXIT.failure;
}
