import * as fs from 'node:fs';
import * as path from 'node:path';
import { LocalWorkspace, PulumiCommand, type Stack } from '@pulumi/pulumi/automation';
import type { Environment, Fleet } from '../model';
import { UsageError } from '../synth/errors';
import { stateDir } from './state-dir';
import { environmentProgram, type EnvironmentProgramArgs } from './program';
import { pulumiRoot } from './pulumi-tools';

export const PROJECT_NAME = 'syskit';

export { stateDir };

/** A team backend from PULUMI_BACKEND_URL, else a directory in the project. */
export function backendUrl(): string {
  if (process.env.PULUMI_BACKEND_URL) return process.env.PULUMI_BACKEND_URL;
  const dir = path.join(stateDir(), 'state');
  fs.mkdirSync(dir, { recursive: true });
  return `file://${dir}`;
}

export class PassphraseMissing extends UsageError {
  constructor() {
    super(
      'set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE): stack secrets are encrypted with it',
    );
  }
}

export interface StackOptions extends Omit<EnvironmentProgramArgs, 'fleet' | 'environment'> {
  /** Receives Pulumi's progress output, line by line. @default - discarded */
  readonly onOutput?: (text: string) => void;
  /** Resources Pulumi works on at once; unbounded parallelism costs gigabytes on large stacks. @default 16 */
  readonly parallel?: number;
  /** Stack tags to set (stacks/stack-config.ts's stackTags). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Workspace settings shared by every stack: pinned binaries, local home, backend, no downloads. */
export async function workspaceOptions(log?: (line: string) => void) {
  if (
    process.env.PULUMI_CONFIG_PASSPHRASE === undefined &&
    process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined
  ) {
    throw new PassphraseMissing();
  }
  const dir = stateDir();
  const tools = await pulumiRoot(dir, log);
  const home = path.join(dir, 'pulumi-home');
  fs.mkdirSync(home, { recursive: true });
  const url = backendUrl();
  return {
    pulumiCommand: await PulumiCommand.get({ root: tools.root, skipVersionCheck: true }),
    pulumiHome: home,
    projectSettings: { name: PROJECT_NAME, runtime: 'nodejs' as const, backend: { url } },
    envVars: {
      PATH: `${tools.bin}${path.delimiter}${process.env.PATH ?? ''}`,
      PULUMI_BACKEND_URL: url,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
    },
  };
}

/** Opens (or creates) the stack named after the environment, with the program built in memory. */
export async function openStack(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions = {},
): Promise<Stack> {
  const program = environmentProgram({ fleet, environment, ...options });
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: environment.name, projectName: PROJECT_NAME, program },
    await workspaceOptions(options.onOutput),
  );
  for (const [key, value] of Object.entries(options.tags ?? {})) await stack.setTag(key, value);
  return stack;
}

export interface ApplyResult {
  readonly summary: string;
  readonly changes: Record<string, number>;
  readonly outputs: { namespaces: string[]; urls: string[] };
}

export async function up(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions = {},
): Promise<ApplyResult> {
  const stack = await openStack(fleet, environment, options);
  const result = await stack.up({ onOutput: options.onOutput, parallel: options.parallel ?? 16 });
  const changes = (result.summary.resourceChanges ?? {}) as Record<string, number>;
  return {
    summary: describeChanges(changes),
    changes,
    outputs: {
      namespaces: (result.outputs.namespaces?.value as string[]) ?? [],
      urls: (result.outputs.urls?.value as string[]) ?? [],
    },
  };
}

export async function preview(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions = {},
): Promise<ApplyResult> {
  const stack = await openStack(fleet, environment, options);
  const result = await stack.preview({
    onOutput: options.onOutput,
    parallel: options.parallel ?? 16,
    diff: false,
  });
  const changes = (result.changeSummary ?? {}) as Record<string, number>;
  return { summary: describeChanges(changes), changes, outputs: { namespaces: [], urls: [] } };
}

/** Destroys everything the environment's stack applied; `remove` also deletes the stack itself. */
export async function destroy(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions & { remove?: boolean } = {},
): Promise<string> {
  const stack = await openStack(fleet, environment, options);
  const result = await stack.destroy({ onOutput: options.onOutput, parallel: options.parallel ?? 16 });
  if (options.remove) await stack.workspace.removeStack(environment.name);
  return describeChanges((result.summary.resourceChanges ?? {}) as Record<string, number>);
}

/** `no changes`, or `3 to create, 1 to update` style counts (unchanged resources left out). */
export function describeChanges(changes: Record<string, number>): string {
  const parts = Object.entries(changes)
    .filter(([op, n]) => op !== 'same' && n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([op, n]) => `${n} ${op}`);
  return parts.length === 0 ? 'no changes' : parts.join(', ');
}
