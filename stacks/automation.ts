import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  LocalWorkspace,
  PulumiCommand,
  Stack as PulumiStack,
  StackAlreadyExistsError,
  StackNotFoundError,
  type Deployment,
  type EngineEvent,
  type PulumiFn,
  type Stack,
} from '@pulumi/pulumi/automation';
import type { Environment, Fleet } from '../model';
import { UsageError } from '../synth/errors';
import { runBounded } from './bounded-runs';
import { prefixLines } from './line-prefix';
import { stateDir } from './state-dir';
import { reconcileInterruptedRun } from './interrupted-runs';
import { plannedChanges, type ObjectChange } from './object-changes';
import { platformProgram, systemProgram, type EnvironmentProgramArgs } from './program';
import { pulumiRoot } from './pulumi-tools';
import { runUpdate } from './pulumi-update';
import { exportEncrypted } from './stack-cli';
import { withStackLock } from './stack-lock';
import {
  parseStackName,
  platformStackName,
  PLATFORM_PART,
  PROJECT_NAME,
  systemStackName,
} from './stack-names';

export { PROJECT_NAME } from './stack-names';

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

export interface StackOptions extends Omit<EnvironmentProgramArgs, 'fleet' | 'environment' | 'systems'> {
  /** Receives Pulumi's progress output, line by line. @default - discarded */
  readonly onOutput?: (text: string) => void;
  /** Receives what syskit itself does about locks and interrupted runs. @default - discarded */
  readonly log?: (line: string) => void;
  /** Resources Pulumi works on at once; unbounded parallelism costs gigabytes on large stacks. @default 16 */
  readonly parallel?: number;
  /**
   * System stacks `up` and `preview` work on at once, after the platform's stack. Each is a
   * Pulumi CLI and a Kubernetes provider of its own (about 200 MB together). @default 4
   */
  readonly concurrentStacks?: number;
  /** Stack tags to set (stacks/stack-config.ts's stackTags). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

const binaries = new Map<string, Promise<{ tools: { root: string; bin: string }; command: PulumiCommand }>>();

/** The pinned Pulumi binaries, looked up once per process: a command opens many workspaces. */
function pulumiBinaries(dir: string, log?: (line: string) => void) {
  let found = binaries.get(dir);
  if (!found) {
    found = pulumiRoot(dir, log).then(async (tools) => ({
      tools,
      command: await PulumiCommand.get({ root: tools.root, skipVersionCheck: true }),
    }));
    found.catch(() => binaries.delete(dir));
    binaries.set(dir, found);
  }
  return found;
}

/** Workspace settings shared by every stack: pinned binaries, local home, backend, no downloads. */
export async function workspaceOptions(project: string = PROJECT_NAME, log?: (line: string) => void) {
  if (
    process.env.PULUMI_CONFIG_PASSPHRASE === undefined &&
    process.env.PULUMI_CONFIG_PASSPHRASE_FILE === undefined
  ) {
    throw new PassphraseMissing();
  }
  const dir = stateDir();
  const { tools, command } = await pulumiBinaries(dir, log);
  const home = path.join(dir, 'pulumi-home');
  fs.mkdirSync(home, { recursive: true });
  const url = backendUrl();
  return {
    pulumiCommand: command,
    pulumiHome: home,
    projectSettings: { name: project, runtime: 'nodejs' as const, backend: { url } },
    envVars: {
      PATH: `${tools.bin}${path.delimiter}${process.env.PATH ?? ''}`,
      PULUMI_BACKEND_URL: url,
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: 'true',
      PULUMI_SKIP_UPDATE_CHECK: 'true',
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: 'true',
      // The declarations own the fields they set: an apply takes them back from whoever edited
      // them out of band (kubectl scale, kubectl edit) instead of failing on the conflict.
      PULUMI_K8S_ENABLE_PATCH_FORCE: 'true',
    },
  };
}

/** One stack a command works on: where it lives and what it applies. */
export interface PlannedStack {
  readonly project: string;
  readonly stackName: string;
  /** `platform`, a system's name, or the ephemeral environment's name. */
  readonly part: string;
  readonly program: PulumiFn;
  /** The backend listed the stack just before: it is opened without a `stack select`. */
  readonly listed?: boolean;
}

/**
 * The stacks of a long-lived environment: its platform and one per system. Naming systems
 * leaves the platform and every other system out, so nothing else can be planned or touched.
 */
export function longLivedStacks(
  fleet: Fleet,
  environment: Environment,
  systems: readonly string[] | undefined,
  options: StackOptions = {},
): PlannedStack[] {
  if (environment.ephemeral) throw new Error(`${environment.name} is ephemeral; use its own stack`);
  if (fleet.systems.some((s) => s.name === PLATFORM_PART)) {
    throw new UsageError(
      `a system named "${PLATFORM_PART}" would share its stack with the environment's platform; rename it`,
    );
  }
  const args = { fleet, environment, ...options };
  const selected = systems ? fleet.systems.filter((s) => systems.includes(s.name)) : fleet.systems;
  return [
    ...(systems
      ? []
      : [
          {
            project: PROJECT_NAME,
            stackName: platformStackName(environment.name),
            part: PLATFORM_PART,
            program: platformProgram(args),
          },
        ]),
    ...selected.map((s) => ({
      project: PROJECT_NAME,
      stackName: systemStackName(environment.name, s.name),
      part: s.name,
      program: systemProgram({ ...args, system: s.name }),
    })),
  ];
}

/** How many system stacks `up` and `preview` work on at once unless told otherwise. */
export const DEFAULT_CONCURRENT_STACKS = 4;

export async function openStack(planned: PlannedStack, options: StackOptions = {}): Promise<Stack> {
  const stack = await selectOrCreateStack(planned, options);
  await setTags(stack, options.tags ?? {});
  return stack;
}

async function selectOrCreateStack(planned: PlannedStack, options: StackOptions): Promise<Stack> {
  const args = { stackName: planned.stackName, projectName: planned.project, program: planned.program };
  const settings = await workspaceOptions(planned.project, options.log);
  for (let attempt = 1; ; attempt++) {
    try {
      return await LocalWorkspace.createOrSelectStack(args, settings);
    } catch (error) {
      // Two runs that both found no stack both create it; the one that loses selects it.
      if (error instanceof StackAlreadyExistsError) return LocalWorkspace.selectStack(args, settings);
      // On an object-store backend the loser can also find the winner's creation lock gone
      // between listing and reading it ("could not create stack: ... NotFound"); by the next
      // attempt the stack exists and is selected.
      if (attempt >= CREATE_ATTEMPTS || !isCreateRace(error)) throw error;
      options.log?.(`${planned.stackName}: another run was creating the stack; selecting it again`);
      await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
    }
  }
}

const CREATE_ATTEMPTS = 4;

/**
 * A stack the backend has just listed, opened without `pulumi stack select`: that CLI run only
 * finds out the stack exists (loading its whole state to do so), which the listing already
 * said. The workspace is the same; only its `selectStack` is skipped. Should the stack be gone
 * by the time it is read (removed meanwhile), the read fails with `StackNotFoundError` and the
 * caller selects or creates it as any other.
 */
async function listedStack(planned: PlannedStack, options: StackOptions): Promise<Stack> {
  const settings = await workspaceOptions(planned.project, options.log);
  const workspace = await LocalWorkspace.create({ ...settings, program: planned.program });
  const selected: LocalWorkspace = Object.create(workspace, {
    selectStack: { value: async () => undefined },
  });
  return PulumiStack.select(planned.stackName, selected);
}

function isCreateRace(error: unknown): boolean {
  const text = `${(error as Error)?.message ?? ''}\n${(error as { stderr?: string }).stderr ?? ''}`;
  return /could not create stack/.test(text) && /NotFound|NoSuchKey|does not exist/.test(text);
}

/** Sets the tags that differ from the stack's: one read (unless given), and a write only for a change. */
async function setTags(
  stack: Stack,
  tags: Readonly<Record<string, string>>,
  current?: Record<string, string>,
): Promise<void> {
  const wanted = Object.entries(tags);
  if (wanted.length === 0) return;
  const existing = current ?? (await stack.listTags());
  for (const [key, value] of wanted) if (existing[key] !== value) await stack.setTag(key, value);
}

/** An existing stack, for work that needs only its state (destroy, tags, export). */
export async function selectStack(
  project: string,
  stackName: string,
  log?: (line: string) => void,
): Promise<Stack> {
  return LocalWorkspace.selectStack(
    { stackName, projectName: project, program: async () => ({}) },
    await workspaceOptions(project, log),
  );
}

/** The names of every stack of a project in the backend. */
export async function stackNames(project: string, log?: (line: string) => void): Promise<string[]> {
  const workspace = await LocalWorkspace.create(await workspaceOptions(project, log));
  return (await workspace.listStacks()).map((s) => s.name.slice(s.name.lastIndexOf('/') + 1)).sort();
}

/**
 * The stacks a long-lived environment has in the backend. An environment applied before each
 * system had its own stack is one stack named after it; syskit refuses to work next to it,
 * since both would own the same objects, and names the command that retires it (server-side
 * apply lets the new stacks take the objects over without recreating them).
 */
export async function existingStacks(environment: string, log?: (line: string) => void): Promise<string[]> {
  const names = await stackNames(PROJECT_NAME, log);
  if (names.includes(environment)) {
    throw new UsageError(
      `stack "${environment}" holds the whole environment as one stack; syskit now keeps one stack per ` +
        `system (${environment}.<system>) and one for the platform (${platformStackName(environment)}). ` +
        `Drop the old stack's state without deleting anything: pulumi stack rm --force --yes --stack ` +
        `organization/${PROJECT_NAME}/${environment} (with PULUMI_BACKEND_URL set to this backend); then ` +
        `"syskit up --env ${environment}" takes over the same objects`,
    );
  }
  return names.filter((n) => parseStackName(n)?.environment === environment);
}

export interface StackResult {
  readonly stackName: string;
  readonly part: string;
  readonly summary: string;
  readonly changes: Record<string, number>;
  readonly objects: readonly ObjectChange[];
}

export interface ApplyResult {
  readonly summary: string;
  readonly changes: Record<string, number>;
  readonly outputs: { namespaces: string[]; urls: string[] };
  readonly stacks: readonly StackResult[];
}

/**
 * Applies one stack. The state is read back from the cluster first (`refresh`), so objects
 * changed or deleted out of band are restored, and operations an interrupted run left pending
 * are settled before anything new starts.
 */
export async function applyStack(
  planned: PlannedStack,
  options: StackOptions = {},
  before?: (stack: Stack) => Promise<void>,
): Promise<StackResult & { outputs: Record<string, unknown> }> {
  let stack: Stack | undefined;
  let listed = planned.listed === true;
  return withStackLock(
    { name: planned.stackName, cancel: () => stack!.cancel() },
    async () => {
      const tags = options.tags ?? {};
      let currentTags: Record<string, string> = {};
      let state: Deployment;
      for (;;) {
        // Opened on every attempt: a stack removed while this run waited (an `env gc` that got
        // the lock first) is created afresh instead of failing.
        stack = listed ? await listedStack(planned, options) : await selectOrCreateStack(planned, options);
        try {
          // Both are reads of the stack, each a Pulumi CLI run: side by side, not one after the other.
          [currentTags, state] = await Promise.all([
            Object.keys(tags).length > 0 ? stack.listTags() : Promise.resolve({}),
            exportEncrypted(stack),
          ]);
          break;
        } catch (error) {
          if (!listed || !(error instanceof StackNotFoundError)) throw error;
          listed = false;
        }
      }
      await setTags(stack, tags, currentTags);
      await before?.(stack);
      await reconcileInterruptedRun(stack, { onOutput: options.onOutput, log: options.log, state });
      const { changes, outputs } = await runUpdate(stack, planned.program, {
        onOutput: options.onOutput,
        parallel: options.parallel ?? 16,
        refresh: true,
      });
      return {
        stackName: planned.stackName,
        part: planned.part,
        summary: describeChanges(changes),
        changes,
        objects: [],
        outputs,
      };
    },
    { log: options.log },
  );
}

/** Previews one stack against the cluster as it is now: exactly what `applyStack` would do. */
export async function previewStack(planned: PlannedStack, options: StackOptions = {}): Promise<StackResult> {
  const stack = await openStack(planned, options);
  const events: EngineEvent[] = [];
  const result = await withStackLock(
    stack,
    () =>
      stack.preview({
        onOutput: options.onOutput,
        onEvent: (e) => events.push(e),
        parallel: options.parallel ?? 16,
        refresh: true,
        diff: false,
      }),
    { log: options.log },
  );
  const changes = (result.changeSummary ?? {}) as Record<string, number>;
  return {
    stackName: planned.stackName,
    part: planned.part,
    summary: describeChanges(changes),
    changes,
    objects: plannedChanges(events, planned.part),
  };
}

/** Destroys what one stack applied, from its state alone; `remove` also deletes the stack. */
export async function destroyStack(
  project: string,
  stackName: string,
  options: StackOptions & { remove?: boolean } = {},
): Promise<{ summary: string; changes: Record<string, number> }> {
  const stack = await selectStack(project, stackName, options.log);
  const result = await withStackLock(
    stack,
    async () => {
      await reconcileInterruptedRun(stack, { onOutput: options.onOutput, log: options.log });
      return stack.destroy({ onOutput: options.onOutput, parallel: options.parallel ?? 16 });
    },
    { log: options.log },
  );
  if (options.remove) await stack.workspace.removeStack(stackName);
  const changes = (result.summary.resourceChanges ?? {}) as Record<string, number>;
  return { summary: describeChanges(changes), changes };
}

function combine(results: readonly StackResult[], outputs: ApplyResult['outputs']): ApplyResult {
  const changes: Record<string, number> = {};
  for (const r of results)
    for (const [op, n] of Object.entries(r.changes)) changes[op] = (changes[op] ?? 0) + n;
  return { summary: describeChanges(changes), changes, outputs, stacks: results };
}

/** Stacks of systems that are no longer declared; they are left alone and named. */
async function undeclaredSystemStacks(fleet: Fleet, environment: Environment, log?: (line: string) => void) {
  return undeclaredAmong(fleet, await existingStacks(environment.name, log));
}

function undeclaredAmong(fleet: Fleet, existing: readonly string[]): string[] {
  const declared = new Set(fleet.systems.map((s) => s.name));
  return existing.filter((name) => {
    const parsed = parseStackName(name);
    return parsed?.part === 'system' && !declared.has(parsed.system);
  });
}

function warnUndeclared(names: readonly string[], environment: string, log?: (line: string) => void) {
  for (const name of names) {
    const system = (parseStackName(name) as { system: string }).system;
    log?.(
      `${name}: system "${system}" is no longer declared; its objects stay until ` +
        `"syskit destroy --env ${environment} --system ${system}"`,
    );
  }
}

/**
 * Works on the platform's stack first, alone (the systems' objects need its namespaces and
 * CRDs), then on the system stacks, `concurrentStacks` at once: they share nothing, and each is
 * mostly waiting on its Pulumi CLI, provider and the API server. Results keep the plan's order.
 * Running several, each stack's progress lines are prefixed with its part.
 */
async function platformThenSystems<R>(
  planned: readonly PlannedStack[],
  options: StackOptions,
  work: (planned: PlannedStack, options: StackOptions) => Promise<R>,
): Promise<R[]> {
  const limit = options.concurrentStacks ?? DEFAULT_CONCURRENT_STACKS;
  const platform = planned.filter((p) => p.part === PLATFORM_PART);
  const systems = planned.filter((p) => p.part !== PLATFORM_PART);
  const first = await runBounded(platform, 1, (p) => work(p, options));
  const concurrent = limit > 1 && systems.length > 1;
  const rest = await runBounded(systems, limit, async (p) => {
    if (!concurrent || !options.onOutput) return work(p, options);
    const output = prefixLines(`[${p.part}] `, options.onOutput);
    try {
      return await work(p, { ...options, onOutput: output.write });
    } finally {
      output.flush();
    }
  });
  return [...first, ...rest];
}

/** Applies a long-lived environment: the platform first, then the systems, each in its own stack. */
export async function up(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions & { systems?: readonly string[] } = {},
): Promise<ApplyResult> {
  const existing = await existingStacks(environment.name, options.log);
  // A system's objects need the platform's namespaces and CRDs (the Kafka namespace, the
  // Gateway): applying systems alone into an environment whose platform was never applied fails
  // half-way, so say what to run instead before anything is touched.
  if (options.systems && !existing.includes(platformStackName(environment.name))) {
    throw new UsageError(
      `the platform of ${environment.name} has not been applied (no stack ${platformStackName(environment.name)}); ` +
        `run "syskit up --env ${environment.name}" once, then --system applies single systems`,
    );
  }
  warnUndeclared(undeclaredAmong(fleet, existing), environment.name, options.log);
  const applied = await platformThenSystems(
    longLivedStacks(fleet, environment, options.systems, options).map((p) => ({
      ...p,
      listed: existing.includes(p.stackName),
    })),
    options,
    (planned, stackOptions) => applyStack(planned, stackOptions),
  );
  const namespaces: string[] = [];
  const urls = new Set<string>();
  for (const { outputs } of applied) {
    namespaces.push(...((outputs.namespaces as string[] | undefined) ?? []));
    for (const url of (outputs.urls as string[] | undefined) ?? []) urls.add(url);
  }
  const results = applied.map(({ outputs: _outputs, ...result }) => result);
  return combine(results, { namespaces, urls: [...urls].sort() });
}

export async function preview(
  fleet: Fleet,
  environment: Environment,
  options: StackOptions & { systems?: readonly string[] } = {},
): Promise<ApplyResult> {
  warnUndeclared(
    await undeclaredSystemStacks(fleet, environment, options.log),
    environment.name,
    options.log,
  );
  const results = await platformThenSystems(
    longLivedStacks(fleet, environment, options.systems, options),
    options,
    (planned, stackOptions) => previewStack(planned, stackOptions),
  );
  return combine(results, { namespaces: [], urls: [] });
}

/** What destroying a long-lived environment (or some of its systems) would delete. */
export interface DestroyTarget {
  readonly stackName: string;
  readonly part: string;
  readonly objects: number;
  readonly namespaces: readonly string[];
}

/**
 * The stacks `destroy` would work on, systems before the platform, with what each holds. Read
 * from the backend, so a system that is no longer declared is found (and can be named) too.
 */
export async function destroyTargets(
  environment: string,
  systems: readonly string[] | undefined,
  log?: (line: string) => void,
): Promise<DestroyTarget[]> {
  const names = await existingStacks(environment, log);
  const wanted = names.filter((name) => {
    const parsed = parseStackName(name)!;
    return systems ? parsed.part === 'system' && systems.includes(parsed.system) : true;
  });
  if (systems) {
    const missing = systems.filter((s) => !wanted.includes(systemStackName(environment, s)));
    if (missing.length > 0) {
      throw new UsageError(
        `environment "${environment}" has no stack for ${missing.map((s) => `"${s}"`).join(', ')}; ` +
          `its stacks: ${names.join(', ') || '(none)'}`,
      );
    }
  }
  const ordered = [
    ...wanted.filter((n) => parseStackName(n)!.part === 'system'),
    ...wanted.filter((n) => parseStackName(n)!.part === 'platform'),
  ];
  const targets: DestroyTarget[] = [];
  for (const stackName of ordered) {
    const state = (await (await selectStack(PROJECT_NAME, stackName, log)).exportStack()).deployment;
    const resources = (state?.resources ?? []) as { type: string; id?: string; urn: string }[];
    const objects = resources.filter(
      (r) =>
        r.type.startsWith('kubernetes:') &&
        !r.type.startsWith('kubernetes:yaml') &&
        r.type !== 'pulumi:providers:kubernetes',
    );
    const parsed = parseStackName(stackName)!;
    targets.push({
      stackName,
      part: parsed.part === 'system' ? parsed.system : PLATFORM_PART,
      objects: objects.length,
      namespaces: objects
        .filter((r) => r.type === 'kubernetes:core/v1:Namespace')
        .map((r) => r.id ?? r.urn.slice(r.urn.lastIndexOf('::') + 2))
        .sort(),
    });
  }
  return targets;
}

/** Destroys the stacks `destroyTargets` named, in that order. */
export async function destroy(
  targets: readonly DestroyTarget[],
  options: StackOptions = {},
): Promise<Record<string, number>> {
  const total: Record<string, number> = {};
  for (const t of targets) {
    const { changes } = await destroyStack(PROJECT_NAME, t.stackName, options);
    for (const [op, n] of Object.entries(changes)) total[op] = (total[op] ?? 0) + n;
  }
  return total;
}

/** `no changes`, or `3 to create, 1 to update` style counts (unchanged resources left out). */
export function describeChanges(changes: Record<string, number>): string {
  const parts = Object.entries(changes)
    .filter(([op, n]) => op !== 'same' && n > 0)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([op, n]) => `${n} ${op}`);
  return parts.length === 0 ? 'no changes' : parts.join(', ');
}
