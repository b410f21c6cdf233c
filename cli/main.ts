import { formatIssues, ValidationError } from '../model/issues';
import { ExternalFailure, LoadError, UsageError } from '../synth/errors';
import { EXIT, processIo, type Io } from './io';

type Command = (args: string[], io: Io) => Promise<number>;

/**
 * Each command's module is loaded only when that command runs, so `syskit --help` and a
 * command that never renders or applies do not pay for cdk8s or Pulumi. Register a new
 * command with one line here and keep its imports inside its own module.
 */
const COMMANDS: Record<string, { load: () => Promise<Command>; summary: string }> = {
  synth: {
    load: async () => (await import('./synth')).synthCommand,
    summary: 'validate the systems and write manifests for each environment',
  },
  validate: {
    load: async () => (await import('./validate')).validateCommand,
    summary: 'validate the systems and check their manifests against the policies',
  },
  graph: {
    load: async () => (await import('./graph')).graphCommand,
    summary: 'print the resolved call graph and routes (Mermaid or JSON)',
  },
  diff: {
    load: async () => (await import('./diff')).diffCommand,
    summary: 'review a change: security, sizing and objects against a git ref or environment',
  },
  impact: {
    load: async () => (await import('./impact')).impactCommand,
    summary: 'the blast radius of a service or system: callers, routes, consumers, owners',
  },
  catalog: {
    load: async () => (await import('./catalog')).catalogCommand,
    summary: 'write the systems as Backstage catalog entities',
  },
  preview: {
    load: async () => (await import('./deploy')).deployCommand('preview'),
    summary: 'show what applying an environment would change',
  },
  up: {
    load: async () => (await import('./deploy')).deployCommand('up'),
    summary: 'apply an environment to a cluster with Pulumi',
  },
  destroy: {
    load: async () => (await import('./deploy')).deployCommand('destroy'),
    summary: "delete everything an environment's stack applied",
  },
  verify: {
    load: async () => (await import('./verify')).verifyCommand,
    summary: 'prove on a live cluster that exactly the declared flows are open',
  },
  drift: {
    load: async () => (await import('./drift')).driftCommand,
    summary: 'report objects changed or deleted out of band since the last apply',
  },
  env: {
    load: async () => (await import('./env')).envCommand,
    summary: 'ephemeral per-pull-request environments: up, list, down, gc',
  },
  vault: {
    load: async () => (await import('./vault')).vaultCommand,
    summary: "apply an environment's Vault policies, Kubernetes-auth roles and database roles",
  },
  cluster: {
    load: async () => (await import('./cluster')).clusterCommand,
    summary:
      'start or stop a local cluster (control plane, and with --node a node) for tests and local applies',
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
    const run = await command.load();
    return await run(rest, io);
  } catch (error) {
    return report(error, io);
  }
}

/**
 * Maps failures to exit codes; anything unexpected is a failure, never a silent success. Users
 * see what went wrong, not where in syskit: stack traces only with SYSKIT_DEBUG=1.
 */
export function report(error: unknown, io: Io): number {
  const debug = process.env.SYSKIT_DEBUG === '1';
  if (error instanceof ValidationError) {
    io.err(
      `syskit: ${error.issues.length} problem${error.issues.length === 1 ? '' : 's'} found; nothing was written`,
    );
    io.err(formatIssues(error.issues));
    const causes = (error as { causes?: readonly unknown[] }).causes ?? [];
    if (debug) for (const cause of causes) io.err(String((cause as Error)?.stack ?? cause));
    return EXIT.invalid;
  }
  if (error instanceof UsageError || error instanceof LoadError) {
    io.err(`syskit: ${error.message}`);
    return EXIT.usage;
  }
  // Its message says all there is to say: where in syskit it happened would only distract.
  if (error instanceof ExternalFailure && !debug) {
    io.err(`syskit: ${error.message}`);
    return EXIT.failure;
  }
  if (debug) io.err(`syskit: ${(error as Error)?.stack ?? String(error)}`);
  else io.err(`syskit: ${(error as Error)?.message ?? String(error)} (SYSKIT_DEBUG=1 shows where)`);
  return EXIT.failure;
}
