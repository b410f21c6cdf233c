import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { ConcurrentUpdateError, LocalWorkspace, type PulumiFn, type Stack } from '@pulumi/pulumi/automation';
import { applyStack, workspaceOptions } from '../../stacks/automation';
import { runUpdate } from '../../stacks/pulumi-update';
import { exportEncrypted } from '../../stacks/stack-cli';
import { isLocked, lockHolders } from '../../stacks/stack-lock';

const PROJECT = 'syskit-update-test';

/**
 * The update syskit runs instead of the Automation API's `Stack.up`, against the real Pulumi CLI
 * and a local file backend. The programs declare component resources only, which need no
 * provider and no cluster, so what is checked is the CLI run itself: the inline program served
 * from this process, the change counts from the event log, the outputs, the errors.
 */
describe('a Pulumi update without the reads Stack.up adds after it', () => {
  let state: string;
  const saved = { ...process.env };

  beforeAll(() => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-update-state-'));
    process.env.SYSKIT_STATE_DIR = state;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'e2e-only';
    delete process.env.PULUMI_BACKEND_URL;
  });

  afterAll(() => {
    process.env = saved;
    fs.rmSync(state, { recursive: true, force: true });
  });

  async function stackOf(name: string, program: PulumiFn): Promise<Stack> {
    return LocalWorkspace.createOrSelectStack(
      { stackName: name, projectName: PROJECT, program },
      await workspaceOptions(PROJECT),
    );
  }

  const components = (names: string[]) => async () => {
    for (const n of names) new pulumi.ComponentResource('syskit:test:Part', n, {});
    return { namespaces: names, urls: [`https://${names[0]}.example/`], token: pulumi.secret('s3cr3t') };
  };

  it('counts what it changed as the stack history does, and returns what the program returned', async () => {
    const stack = await stackOf('counts', components(['a', 'b']));
    const output: string[] = [];
    const first = await runUpdate(stack, components(['a', 'b']), {
      onOutput: (t) => output.push(t),
      parallel: 4,
    });
    // The stack itself and the two components.
    expect(first.changes).toEqual({ create: 3 });
    expect(first.outputs.namespaces).toEqual(['a', 'b']);
    expect(first.outputs.urls).toEqual(['https://a.example/']);
    expect(output.join('')).toMatch(/Resources:\s+\+ 3 created/);
    expect((await stack.info(false))?.resourceChanges).toEqual(first.changes);

    const second = await runUpdate(stack, components(['a', 'c']), { refresh: true });
    expect(second.changes).toEqual({ create: 1, delete: 1, same: 2 });
    expect(second.outputs.namespaces).toEqual(['a', 'c']);
    expect((await stack.info(false))?.resourceChanges).toEqual(second.changes);

    // The state the pending-operations check reads: complete, its secret still encrypted.
    const exported = await exportEncrypted(stack);
    const root = (
      exported.deployment.resources as { type: string; outputs?: Record<string, unknown> }[]
    ).find((r) => r.type === 'pulumi:pulumi:Stack');
    expect(root?.outputs?.namespaces).toEqual(['a', 'c']);
    expect(JSON.stringify(exported)).not.toContain('s3cr3t');
    expect(JSON.stringify(await stack.exportStack())).toContain('s3cr3t');
  }, 300_000);

  it('applies a stack listed as existing that is gone by then: it is created, not failed', async () => {
    const program = components(['late']);
    const planned = { project: PROJECT, stackName: 'removed', part: 'removed', program, listed: true };
    const first = await applyStack(planned);
    expect(first.changes).toEqual({ create: 2 });
    expect(first.summary).toBe('2 create');
    expect(first.outputs.namespaces).toEqual(['late']);
    // Listed and there: opened without a select, and nothing to change.
    const again = await applyStack(planned);
    expect(again.summary).toBe('no changes');
    expect(again.changes).toEqual({ same: 2 });
  }, 300_000);

  it('fails as Stack.up fails on a stack another run holds, so the lock wait still recognises it', async () => {
    // The first update holds the stack's lock while its program runs; its program returns only
    // once the second update, started meanwhile, has given up.
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let secondDone!: () => void;
    const second = new Promise<void>((resolve) => (secondDone = resolve));
    const holding = async () => {
      started();
      await second;
      return components(['held'])();
    };
    const stack = await stackOf('locked', holding);
    const first = runUpdate(stack, holding);
    await running;
    const failure = await runUpdate(stack, components(['other'])).catch((e: unknown) => e);
    secondDone();
    expect(failure).toBeInstanceOf(ConcurrentUpdateError);
    expect(isLocked(failure)).toBe(true);
    expect(lockHolders(String((failure as Error).message))).toEqual([
      expect.objectContaining({ host: os.hostname(), pid: expect.any(Number) }),
    ]);
    expect((await first).outputs.namespaces).toEqual(['held']);
    // The refused run changed nothing: the state is the first run's.
    const resources = (await exportEncrypted(stack)).deployment.resources as { urn: string }[];
    expect(resources.map((r) => r.urn.slice(r.urn.lastIndexOf('::') + 2)).sort()).toEqual([
      'held',
      'syskit-update-test-locked',
    ]);
  }, 300_000);
});
