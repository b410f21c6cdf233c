import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { confirmDestroy, describeTargets, formatApply } from '../../cli/deploy';
import { formatDrift } from '../../stacks/drift';
import type { Io } from '../../cli/io';
import { runCli as run } from './run-in-process';

describe('refusals that touch nothing', () => {
  let state: string;
  const saved = { ...process.env };
  beforeEach(() => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-state-'));
    process.env.SYSKIT_STATE_DIR = state;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'unit-only';
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(state, { recursive: true, force: true });
  });

  it.each(['prod', 'dev'])(
    'refuses "env up %s --from dev" before any backend or cluster is touched',
    async (name) => {
      const r = await run('env', 'up', name, '--from', 'dev', '--kubeconfig', '/nonexistent');
      expect(r.code).toBe(2);
      expect(r.err).toContain(`"${name}" is a long-lived environment`);
      // No backend was opened: the state folder is as it was made.
      expect(fs.readdirSync(state)).toEqual([]);
    },
  );

  it('refuses an ephemeral name whose namespaces a platform component owns', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-systems-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'kube.json'),
        JSON.stringify({
          name: 'kube',
          owner: 'platform-team',
          description: 'Cluster API facade',
          services: {
            api: {
              image:
                'registry.acme.example/kube/api:1.0.0@sha256:f4f69f328b5c7f913320da62e5f746c0dc9126544efb087016edfd3306d4c4a0',
              port: 8080,
            },
          },
        }),
      );
      const r = await run('env', 'up', 'system', '--from', 'dev', '--systems', dir);
      expect(r.code).toBe(2);
      expect(r.err).toContain('namespace "kube-system", which is a platform namespace');
      expect(fs.readdirSync(state)).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes --yes and --confirm only on destroy, and --diff only on preview', async () => {
    expect((await run('up', '--env', 'dev', '--yes')).code).toBe(2);
    expect((await run('up', '--env', 'dev', '--diff')).code).toBe(2);
    expect(fs.readdirSync(state)).toEqual([]);
  });

  it.each([
    ['--stacks', '0'],
    ['--stacks', 'two'],
    ['--parallel', '0'],
    ['--parallel', '1.5'],
  ])('refuses %s %s before any backend is opened', async (flag, value) => {
    const r = await run('up', '--env', 'dev', flag, value);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${flag} expects a positive whole number, got "${value}"`);
    expect(fs.readdirSync(state)).toEqual([]);
  });
});

describe('destroy confirmation', () => {
  const noTerminal: Io = { out: () => undefined, err: () => undefined };

  it('refuses without a terminal unless confirmed on the command line', async () => {
    await expect(confirmDestroy('prod', {}, noTerminal)).rejects.toThrow(
      'destroy deletes the objects named above and no terminal is attached to confirm it; rerun with --confirm prod (or --yes)',
    );
    await expect(confirmDestroy('prod', { yes: true }, noTerminal)).resolves.toBeUndefined();
    await expect(confirmDestroy('prod', { confirm: 'prod' }, noTerminal)).resolves.toBeUndefined();
  });

  it('refuses a confirmation that names another environment', async () => {
    await expect(confirmDestroy('prod', { confirm: 'dev' }, noTerminal)).rejects.toThrow(
      '--confirm dev does not name the environment being destroyed (prod)',
    );
  });

  it("asks at a terminal and goes ahead only on the environment's name", async () => {
    const asking = (answer: string): Io => ({ ...noTerminal, ask: async () => answer });
    await expect(confirmDestroy('prod', {}, asking('prod\n'))).resolves.toBeUndefined();
    await expect(confirmDestroy('prod', {}, asking('y'))).rejects.toThrow(
      'not confirmed ("y"); nothing was deleted',
    );
  });

  it('names what it will delete, stack by stack', () => {
    expect(
      describeTargets([
        { stackName: 'prod.commerce', part: 'commerce', objects: 41, namespaces: ['commerce'] },
        { stackName: 'prod.platform', part: 'platform', objects: 1, namespaces: [] },
      ]),
    ).toEqual([
      '  commerce: 41 objects; namespace commerce (stack prod.commerce)',
      '  platform: 1 object (stack prod.platform)',
    ]);
  });
});

describe('reports', () => {
  const cart = {
    op: 'update' as const,
    kind: 'Deployment',
    name: 'commerce/cart',
    system: 'commerce',
    owner: 'commerce-team',
    fields: [{ path: 'spec.replicas', old: 1, new: 3 }],
  };

  it('groups drift by system and owner', () => {
    const policy = {
      op: 'delete' as const,
      kind: 'NetworkPolicy',
      name: 'identity/accounts',
      system: 'identity',
      owner: 'identity-team',
      fields: [],
    };
    expect(formatDrift('dev', { objects: [cart, policy], notApplied: [] })).toEqual([
      'dev: 2 objects changed out of band',
      '  commerce (owner commerce-team)',
      '    Deployment commerce/cart: changed',
      '      spec.replicas: 1 -> 3',
      '  identity (owner identity-team)',
      '    NetworkPolicy identity/accounts: deleted',
    ]);
    expect(formatDrift('dev', { objects: [], notApplied: [] })).toEqual(['dev: no drift']);
  });

  it('prints a total, the stacks that change and, with --diff, their objects', () => {
    const stack = (part: string, summary: string, objects: (typeof cart)[] = []) => ({
      stackName: `dev.${part}`,
      part,
      summary,
      changes: {},
      objects,
    });
    const result = {
      summary: '1 update',
      changes: { update: 1 },
      outputs: { namespaces: [], urls: ['https://shop.dev.acme.example/v1/orders'] },
      stacks: [
        stack('platform', 'no changes'),
        stack('commerce', '1 update', [{ ...cart, fields: [{ path: 'spec.replicas', old: 1, new: 2 }] }]),
      ],
    };
    expect(formatApply('dev', result, false)).toEqual([
      'dev: 1 update',
      '  commerce: 1 update',
      '  https://shop.dev.acme.example/v1/orders',
    ]);
    expect(formatApply('dev', result, true)).toEqual([
      'dev: 1 update',
      '  commerce: 1 update',
      '    Deployment commerce/cart: update',
      '      spec.replicas: 1 -> 2',
      '  https://shop.dev.acme.example/v1/orders',
    ]);
  });
});
