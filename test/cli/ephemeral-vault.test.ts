import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareEphemeralVaultRemoval, vaultRemoveCommand } from '../../cli/ephemeral-vault';
import type { Io } from '../../cli/io';
import { runCli as run } from './run-in-process';

/** A loopback port that was free a moment ago: nothing listens on it. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('the Vault side of ephemeral environments on the command line', () => {
  const saved = { ...process.env };
  let state: string;

  beforeEach(() => {
    state = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-env-vault-'));
    process.env.SYSKIT_STATE_DIR = state;
    process.env.PULUMI_CONFIG_PASSPHRASE = 'unit-only';
    delete process.env.VAULT_ADDR;
    delete process.env.VAULT_TOKEN;
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(state, { recursive: true, force: true });
  });

  it('refuses "env up" with exit 3 before the backend or the cluster is touched when Vault does not answer', async () => {
    const port = await closedPort();
    process.env.VAULT_ADDR = `http://127.0.0.1:${port}`;
    process.env.VAULT_TOKEN = 'any';
    const r = await run('env', 'up', 'pr-4', '--from', 'dev', '--kubeconfig', '/nonexistent', '-q');
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      new RegExp(
        `^syskit: Vault refused: GET http://127\\.0\\.0\\.1:${port}/v1/sys/mounts: .*; nothing was applied$`,
      ),
    );
    // No backend was opened: the state folder is as it was made.
    expect(fs.readdirSync(state)).toEqual([]);
  });

  it('refuses "env up" with VAULT_ADDR but no VAULT_TOKEN as a usage error, before anything', async () => {
    process.env.VAULT_ADDR = 'http://127.0.0.1:1';
    const r = await run('env', 'up', 'pr-4', '--from', 'dev', '-q');
    expect(r.code).toBe(2);
    expect(r.err).toContain('VAULT_ADDR is set (http://127.0.0.1:1) but VAULT_TOKEN is not');
    expect(fs.readdirSync(state)).toEqual([]);
  });

  it.each([['down', 'pr-4'], ['gc']])(
    'refuses "env %s" with exit 3 when Vault does not answer, and destroys nothing',
    async (...args) => {
      const port = await closedPort();
      process.env.VAULT_ADDR = `http://127.0.0.1:${port}`;
      process.env.VAULT_TOKEN = 'any';
      const r = await run('env', ...args, '-q');
      expect(r.code).toBe(3);
      expect(r.err).toMatch(
        /^syskit: Vault refused: GET http:\/\/127\.0\.0\.1:\d+\/v1\/sys\/auth: .*; nothing was destroyed$/,
      );
      expect(fs.readdirSync(state)).toEqual([]);
    },
  );

  it('says, without a Vault, which objects were left and the command that removes them', async () => {
    const out: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => out.push(`err: ${l}`) };
    const removal = await prepareEphemeralVaultRemoval({ kubeconfig: path.join(state, 'no-kubeconfig') }, io);
    expect(removal.refused).toBeUndefined();
    // What the stack recorded beyond the environment's own namespaces is never named.
    expect(
      await removal.remove('pr-4', ['commerce-pr-4', 'commerce', 'identity-pr-4', 'commerce-pr-4-x']),
    ).toBe(0);
    expect(out).toEqual([
      `pr-4: Vault objects left: VAULT_ADDR is not set and no local cluster with a Vault runs in ${path.join(state, 'cluster')}; ` +
        'run "syskit vault remove --env pr-4 --namespace commerce-pr-4 --namespace identity-pr-4" once Vault is reachable',
    ]);
  });

  it('names the namespaces in the command that removes them later', () => {
    expect(vaultRemoveCommand('pr-4', ['commerce-pr-4'])).toBe(
      'syskit vault remove --env pr-4 --namespace commerce-pr-4',
    );
  });

  it('refuses "vault remove" for a long-lived environment\'s name or another environment\'s namespace', async () => {
    process.env.VAULT_ADDR = 'http://127.0.0.1:1';
    process.env.VAULT_TOKEN = 'any';
    const longLived = await run('vault', 'remove', '--env', 'dev');
    expect(longLived.code).toBe(2);
    expect(longLived.err).toContain(
      '"dev" is a long-lived environment; "syskit vault remove" removes only an ephemeral environment\'s Vault objects',
    );
    const foreign = await run(
      'vault',
      'remove',
      '--env',
      'pr-4',
      '--namespace',
      'commerce-pr-4',
      '--namespace',
      'commerce',
      '--namespace',
      'commerce-pr-4-x',
    );
    expect(foreign.code).toBe(2);
    expect(foreign.err).toContain(
      '--namespace commerce, --namespace commerce-pr-4-x: not a namespace of ephemeral environment "pr-4"; expected <system>-pr-4',
    );
    expect(fs.readdirSync(state)).toEqual([]);
  });

  it('keeps the options of "vault apply" and "vault remove" apart', async () => {
    const r = await run('vault', 'apply', '--env', 'dev', '--namespace', 'commerce');
    expect(r.code).toBe(2);
    expect(r.err).toContain('--namespace is an option of "syskit vault remove"');
    const other = await run('vault', 'remove', '--env', 'pr-4', '--out', 'dist');
    expect(other.code).toBe(2);
    expect(other.err).toContain('--out is an option of "syskit vault apply"');
  });

  it('documents removal in "vault --help" and "env --help"', async () => {
    expect((await run('vault', '--help')).out).toContain('syskit vault remove --env <ephemeral name>');
    expect((await run('env', '--help')).out).toContain('env down and env gc remove exactly those objects');
  });
});
