import * as os from 'node:os';
import { LocalWorkspace } from '@pulumi/pulumi/automation';
import { ephemeralNeighbourConflicts, expiresAt } from '../environments/ephemeral';
import type { Environment, Fleet } from '../model';
import { UsageError } from '../synth/errors';
import {
  applyStack,
  destroyStack,
  selectStack,
  stackNames,
  workspaceOptions,
  type ApplyResult,
  type StackOptions,
} from './automation';
import { environmentProgram } from './program';
import { EPHEMERAL_PROJECT, EPHEMERAL_TAGS } from './stack-names';

/** An ephemeral environment as its stack's tags record it. */
export interface EphemeralStack {
  readonly name: string;
  readonly base: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly creator: string;
}

/** Stacks in the ephemeral project, split by whether they carry the ephemeral tag. */
export interface EphemeralListing {
  readonly environments: EphemeralStack[];
  /** Stacks without `syskit:ephemeral`: not made by `env up`, never destroyed by `env down` or `env gc`. */
  readonly untagged: string[];
}

/** Reads an ephemeral environment from its stack's tags; undefined when it is not tagged as one. */
export function fromTags(name: string, tags: Record<string, string>): EphemeralStack | undefined {
  if (tags[EPHEMERAL_TAGS.ephemeral] !== 'true') return undefined;
  const created = new Date(tags[EPHEMERAL_TAGS.createdAt] ?? '');
  const expires = new Date(tags[EPHEMERAL_TAGS.expiresAt] ?? '');
  if (!tags[EPHEMERAL_TAGS.base] || isNaN(created.getTime()) || isNaN(expires.getTime())) return undefined;
  return {
    name,
    base: tags[EPHEMERAL_TAGS.base],
    createdAt: created,
    expiresAt: expires,
    creator: tags[EPHEMERAL_TAGS.creator] ?? 'unknown',
  };
}

/** The tags `env up` writes: kind, base, creation, expiry and who made it. */
export function ephemeralTags(env: Environment, creator = defaultCreator()): Record<string, string> {
  if (!env.ephemeral) throw new Error(`${env.name} is not ephemeral`);
  return {
    [EPHEMERAL_TAGS.ephemeral]: 'true',
    [EPHEMERAL_TAGS.base]: env.ephemeral.base,
    [EPHEMERAL_TAGS.createdAt]: env.ephemeral.createdAt,
    [EPHEMERAL_TAGS.expiresAt]: expiresAt(env)!.toISOString(),
    [EPHEMERAL_TAGS.creator]: creator,
  };
}

/** `SYSKIT_CREATOR` (a CI job can set the pull request's author), else user@host. */
export function defaultCreator(): string {
  return process.env.SYSKIT_CREATOR ?? `${os.userInfo().username}@${os.hostname()}`;
}

async function tagsOf(name: string, log?: (line: string) => void): Promise<Record<string, string>> {
  const workspace = await LocalWorkspace.create(await workspaceOptions(EPHEMERAL_PROJECT, log));
  return workspace.listTags(name);
}

/** Every stack of the ephemeral project, read from tags alone (no state is downloaded). */
export async function listEphemeral(log?: (line: string) => void): Promise<EphemeralListing> {
  const environments: EphemeralStack[] = [];
  const untagged: string[] = [];
  for (const name of await stackNames(EPHEMERAL_PROJECT, log)) {
    const env = fromTags(name, await tagsOf(name, log));
    if (env) environments.push(env);
    else untagged.push(name);
  }
  environments.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.name < b.name ? -1 : 1));
  return { environments, untagged };
}

/**
 * Refuses an `env up` that would take over a stack it should not: one without the ephemeral tag,
 * or an ephemeral environment of another base. Reads tags only; writes nothing.
 */
export async function checkEphemeralStack(
  fleet: Fleet,
  env: Environment,
  log?: (line: string) => void,
): Promise<void> {
  const names = await stackNames(EPHEMERAL_PROJECT, log);
  const neighbours = ephemeralNeighbourConflicts(env.name, names, fleet.systems);
  if (neighbours.length > 0) {
    throw new UsageError(
      `"${env.name}" cannot be an ephemeral environment beside the ones that exist:\n` +
        neighbours.map((c) => `  ${c.message}`).join('\n'),
    );
  }
  if (!names.includes(env.name)) return;
  const tags = await tagsOf(env.name, log);
  const existing = fromTags(env.name, tags);
  if (!existing) {
    throw new UsageError(
      `stack ${EPHEMERAL_PROJECT}/${env.name} exists without the ${EPHEMERAL_TAGS.ephemeral} tag; ` +
        `syskit did not create it and will not apply over it`,
    );
  }
  if (existing.base !== env.ephemeral!.base) {
    throw new UsageError(
      `ephemeral environment "${env.name}" already exists on base "${existing.base}" ` +
        `(created by ${existing.creator}); choose another name or "syskit env down ${env.name}" first`,
    );
  }
}

/**
 * Creates or updates an ephemeral environment in its own stack of the ephemeral project. The
 * tags are written before the apply, so a run killed half-way still leaves a stack that
 * `env list` shows and `env gc` collects.
 */
export async function upEphemeral(
  fleet: Fleet,
  env: Environment,
  options: StackOptions = {},
): Promise<ApplyResult> {
  if (!env.ephemeral) throw new Error(`${env.name} is not ephemeral`);
  const tags = ephemeralTags(env);
  const { outputs, ...result } = await applyStack(
    {
      project: EPHEMERAL_PROJECT,
      stackName: env.name,
      part: env.name,
      program: environmentProgram({ fleet, environment: env, ...options }),
    },
    options,
    async (stack) => {
      for (const [key, value] of Object.entries(tags)) await stack.workspace.setTag(env.name, key, value);
    },
  );
  return {
    summary: result.summary,
    changes: result.changes,
    stacks: [result],
    outputs: {
      namespaces: (outputs.namespaces as string[] | undefined) ?? [],
      urls: (outputs.urls as string[] | undefined) ?? [],
    },
  };
}

/** What `env down` or `env gc` destroyed: the environment and the namespaces its stack held. */
export interface DestroyedEphemeral {
  readonly name: string;
  readonly summary: string;
  /** From the stack's state before the destroy: its Namespace objects and its `namespaces` output. */
  readonly namespaces: readonly string[];
}

/**
 * The namespaces a stack's exported state records: the Namespace objects it holds and the
 * program's `namespaces` output (an apply that failed before its outputs still holds the objects).
 */
export function recordedNamespaces(deployment: unknown): string[] {
  const resources = ((deployment as { resources?: unknown[] } | undefined)?.resources ?? []) as {
    type?: string;
    id?: string;
    outputs?: Record<string, unknown>;
  }[];
  const names = new Set<string>();
  for (const r of resources) {
    if (r.type === 'kubernetes:core/v1:Namespace' && r.id) names.add(r.id);
    if (r.type === 'pulumi:pulumi:Stack' && Array.isArray(r.outputs?.namespaces))
      for (const ns of r.outputs.namespaces) if (typeof ns === 'string') names.add(ns);
  }
  return [...names].sort();
}

/**
 * Destroys an ephemeral environment's resources from its recorded state and removes the stack.
 * The declarations are not needed, so an environment whose branch is gone can still be
 * collected. A stack without the ephemeral tag is refused before anything is touched.
 */
export async function destroyEphemeral(
  name: string,
  options: StackOptions & { onlyIfExpiredAt?: Date } = {},
): Promise<DestroyedEphemeral | undefined> {
  if (!(await stackNames(EPHEMERAL_PROJECT, options.log)).includes(name)) {
    throw new UsageError(`no ephemeral environment "${name}"; see "syskit env list"`);
  }
  const stack = await selectStack(EPHEMERAL_PROJECT, name, options.log);
  const recorded = fromTags(name, await stack.workspace.listTags(name));
  if (!recorded) {
    throw new UsageError(
      `stack ${EPHEMERAL_PROJECT}/${name} has no ${EPHEMERAL_TAGS.ephemeral} tag; syskit destroys only the ` +
        `ephemeral environments it created, and leaves this stack and its objects as they are`,
    );
  }
  // An `env up` may have renewed it since the list was read.
  if (options.onlyIfExpiredAt && recorded.expiresAt.getTime() > options.onlyIfExpiredAt.getTime())
    return undefined;
  // Read before the destroy: the stack, and with it the record, is gone afterwards.
  const namespaces = recordedNamespaces((await stack.exportStack()).deployment);
  const { summary } = await destroyStack(EPHEMERAL_PROJECT, name, { ...options, remove: true });
  return { name, summary, namespaces };
}

/**
 * Destroys every tagged ephemeral environment past its expiry; untagged stacks are reported, never
 * touched. `destroyed` is called after each one (its Vault side goes before the next).
 */
export async function collectExpired(
  now: Date,
  options: StackOptions & { destroyed?: (env: DestroyedEphemeral) => Promise<void> } = {},
): Promise<{ collected: DestroyedEphemeral[]; untagged: string[] }> {
  const { environments, untagged } = await listEphemeral(options.log);
  const collected: DestroyedEphemeral[] = [];
  for (const e of environments.filter((e) => e.expiresAt.getTime() <= now.getTime())) {
    const destroyed = await destroyEphemeral(e.name, { ...options, onlyIfExpiredAt: now });
    if (destroyed === undefined) continue;
    collected.push(destroyed);
    await options.destroyed?.(destroyed);
  }
  return { collected, untagged };
}
