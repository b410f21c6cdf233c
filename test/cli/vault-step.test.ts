import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Io } from '../../cli/io';
import { chooseVaultTarget, effectiveKubeconfig, prepareUpVaultStep } from '../../cli/vault-step';
import { environments } from '../../environments';
import { parseFleet } from '../../model';
import { UsageError } from '../../synth/errors';
import { loadDeclarations } from '../../synth/load';

const localState = {
  kubeconfig: '/clusters/local/kubeconfig',
  vault: { address: 'http://127.0.0.1:8200', token: 'root-local' },
  postgres: { host: '127.0.0.1', port: 5433 },
};
const local = { dir: '/clusters/local', state: localState };

describe('where the Vault step of syskit up applies', () => {
  it('takes VAULT_ADDR and VAULT_TOKEN first', () => {
    expect(
      chooseVaultTarget(
        { VAULT_ADDR: 'https://vault.example:8200', VAULT_TOKEN: 't' },
        '/other/kubeconfig',
        local,
      ),
    ).toEqual({
      address: 'https://vault.example:8200',
      token: 't',
      databaseAddress: undefined,
      from: 'VAULT_ADDR',
    });
  });

  it('refuses VAULT_ADDR without VAULT_TOKEN as a usage error naming both', () => {
    expect(() => chooseVaultTarget({ VAULT_ADDR: 'https://vault.example:8200' }, undefined, local)).toThrow(
      UsageError,
    );
    expect(() => chooseVaultTarget({ VAULT_ADDR: 'https://vault.example:8200' }, undefined, local)).toThrow(
      /VAULT_ADDR is set \(https:\/\/vault\.example:8200\) but VAULT_TOKEN is not/,
    );
  });

  it("uses the local cluster's Vault and PostgreSQL when up targets that cluster", () => {
    expect(chooseVaultTarget({}, '/clusters/local/kubeconfig', local)).toEqual({
      address: 'http://127.0.0.1:8200',
      token: 'root-local',
      databaseAddress: '127.0.0.1:5433',
      from: 'the local cluster in /clusters/local',
    });
    // VAULT_ADDR naming the local cluster's Vault: its databases are still the local PostgreSQL.
    expect(
      chooseVaultTarget(
        { VAULT_ADDR: 'http://127.0.0.1:8200', VAULT_TOKEN: 'root-local' },
        '/clusters/local/kubeconfig',
        local,
      ),
    ).toMatchObject({ databaseAddress: '127.0.0.1:5433', from: 'VAULT_ADDR' });
  });

  it('skips, saying why, when up targets another cluster than the local one or nothing runs a Vault', () => {
    expect(chooseVaultTarget({}, '/clusters/prod/kubeconfig', local)).toEqual({
      skip: "VAULT_ADDR is not set, and the local cluster's Vault (/clusters/local) belongs to another kubeconfig than the one applied to",
    });
    expect(chooseVaultTarget({}, '/clusters/local/kubeconfig', { dir: '/clusters/local' })).toEqual({
      skip: 'VAULT_ADDR is not set and no local cluster with a Vault runs in /clusters/local',
    });
    const noVault = { dir: '/clusters/local', state: { kubeconfig: localState.kubeconfig } };
    expect(chooseVaultTarget({}, '/clusters/local/kubeconfig', noVault)).toHaveProperty('skip');
  });

  it('finds the kubeconfig kubectl would use', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-kubeconfig-'));
    try {
      const file = path.join(dir, 'config');
      fs.writeFileSync(file, 'apiVersion: v1\n');
      expect(effectiveKubeconfig(file, {})).toBe(file);
      expect(effectiveKubeconfig(undefined, { KUBECONFIG: `${file}${path.delimiter}/elsewhere` })).toBe(file);
      expect(effectiveKubeconfig(path.join(dir, 'missing'), {})).toBeUndefined();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the Vault step prepared before syskit up applies anything', () => {
  const fleet = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));
  const dev = fleet.environments.find((e) => e.name === environments[0].name)!;
  const saved = { ...process.env };
  let stateDir: string;
  let out: string[];
  let err: string[];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };

  beforeEach(() => {
    stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-up-vault-'));
    process.env.SYSKIT_STATE_DIR = stateDir;
    delete process.env.VAULT_ADDR;
    delete process.env.VAULT_TOKEN;
    out = [];
    err = [];
  });
  afterEach(() => {
    process.env = { ...saved };
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('says after the apply that the step is skipped, and why, when no Vault is configured', async () => {
    const step = await prepareUpVaultStep(fleet, dev, undefined, {}, io);
    expect(step.refused).toBeUndefined();
    expect(out).toEqual([]);
    expect(await step.run()).toBe(0);
    expect(out).toEqual([
      `${dev.name}: Vault step skipped: VAULT_ADDR is not set and no local cluster with a Vault runs in ${path.join(stateDir, 'cluster')}; run "syskit vault apply --env ${dev.name}" once Vault is reachable`,
    ]);
  });

  it('refuses with exit 3, before up applies anything, when the Vault is unreachable', async () => {
    // A loopback port that was free a moment ago: nothing listens on it.
    const port = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    process.env.VAULT_ADDR = `http://127.0.0.1:${port}`;
    process.env.VAULT_TOKEN = 'any';
    // The files rendered for the checks go to the temp folder; none may stay there.
    const tmp = path.join(stateDir, 'tmp');
    fs.mkdirSync(tmp);
    process.env.TMPDIR = tmp;
    const step = await prepareUpVaultStep(fleet, dev, undefined, {}, io);
    expect(step.refused).toBe(3);
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(err.join('\n')).toMatch(
      new RegExp(
        `^syskit: Vault refused: GET http://127\\.0\\.0\\.1:${port}/v1/sys/mounts: .*; nothing was applied$`,
      ),
    );
    expect(await step.run()).toBe(3);
  });
});
