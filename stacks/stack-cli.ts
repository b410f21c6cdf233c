import type { Deployment, Stack } from '@pulumi/pulumi/automation';

/** The result of one Pulumi CLI run, as the Automation API returns it. */
export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/**
 * `PulumiCommand.run`, which every Automation API workspace uses to run the CLI: it adds
 * `--non-interactive`, puts the CLI's folder first on PATH, and turns a failed run into the same
 * `CommandError` (`ConcurrentUpdateError` for a locked stack) that `Stack.up` throws. Marked
 * internal in the SDK's typings, so its shape is spelled out here.
 */
type RunCommand = (
  args: string[],
  cwd: string,
  env: Record<string, string>,
  onOutput?: (text: string) => void,
) => Promise<CliResult>;

/**
 * Runs `pulumi <args> --stack <stack>` exactly as the Automation API's own stack operations do
 * (same working folder, PULUMI_HOME, environment and error types), for the operations syskit
 * runs with fewer or cheaper CLI runs than the Automation API would.
 */
export function runStackCommand(
  stack: Stack,
  args: readonly string[],
  options: { onOutput?: (text: string) => void; env?: Readonly<Record<string, string>> } = {},
): Promise<CliResult> {
  const workspace = stack.workspace;
  const command = workspace.pulumiCommand as unknown as { run: RunCommand };
  const env: Record<string, string> = {
    PULUMI_DEBUG_COMMANDS: 'true',
    ...(workspace.pulumiHome ? { PULUMI_HOME: workspace.pulumiHome } : {}),
    ...workspace.envVars,
    ...options.env,
  };
  return command.run.call(
    workspace.pulumiCommand,
    [...args, '--stack', stack.name],
    workspace.workDir,
    env,
    options.onOutput,
  );
}

/**
 * The stack's state as stored, secrets left encrypted. `Stack.exportStack` always asks for
 * `--show-secrets`, which derives the passphrase's key and decrypts every secret; reading what
 * a killed run left pending needs none of that.
 */
export async function exportEncrypted(stack: Stack): Promise<Deployment> {
  return JSON.parse((await runStackCommand(stack, ['stack', 'export'])).stdout) as Deployment;
}
