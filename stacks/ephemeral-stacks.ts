import { LocalWorkspace } from '@pulumi/pulumi/automation';
import { PROJECT_NAME, describeChanges, workspaceOptions } from './automation';

/** An ephemeral environment as its stack records it. */
export interface EphemeralStack {
  readonly name: string;
  readonly base: string;
  readonly createdAt: Date;
  readonly expiresAt: Date;
}

/** Every stack that records an ephemeral environment, oldest first. */
export async function listEphemeral(log?: (line: string) => void): Promise<EphemeralStack[]> {
  const workspace = await LocalWorkspace.create(await workspaceOptions(log));
  const out: EphemeralStack[] = [];
  for (const summary of await workspace.listStacks()) {
    const recorded = (await workspace.stackOutputs(summary.name)).ephemeral?.value as
      { base?: string; ttlHours?: number; createdAt?: string } | undefined;
    if (!recorded?.base || !recorded.createdAt || !(Number(recorded.ttlHours) > 0)) continue;
    const created = new Date(recorded.createdAt);
    out.push({
      name: summary.name,
      base: recorded.base,
      createdAt: created,
      expiresAt: new Date(created.getTime() + Number(recorded.ttlHours) * 3600_000),
    });
  }
  return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.name < b.name ? -1 : 1));
}

/**
 * Destroys an ephemeral environment's resources from its recorded state and removes the stack.
 * The declarations are not needed: destroy works from what was applied, so an environment
 * whose branch is gone can still be collected.
 */
export async function destroyEphemeral(name: string, onOutput?: (text: string) => void): Promise<string> {
  const stack = await LocalWorkspace.selectStack(
    { stackName: name, projectName: PROJECT_NAME, program: async () => ({}) },
    await workspaceOptions(onOutput),
  );
  const result = await stack.destroy({ onOutput, parallel: 16 });
  await stack.workspace.removeStack(name);
  return describeChanges((result.summary.resourceChanges ?? {}) as Record<string, number>);
}

/** Destroys every ephemeral environment past its expiry; returns the names collected. */
export async function collectExpired(now: Date, onOutput?: (text: string) => void): Promise<string[]> {
  const expired = (await listEphemeral(onOutput)).filter((e) => e.expiresAt.getTime() <= now.getTime());
  for (const e of expired) await destroyEphemeral(e.name, onOutput);
  return expired.map((e) => e.name);
}
