import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OutputBusyError } from '../../synth/errors';
import { FolderLock, type LockHolder } from '../../synth/output';

const ROOT = path.resolve(__dirname, '../..');

describe('FolderLock', () => {
  let tmp: string;
  let lockFile: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-lock-'));
    lockFile = path.join(tmp, 'lock');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const writeHolder = (holder: Partial<LockHolder>) =>
    fs.writeFileSync(
      lockFile,
      JSON.stringify({
        pid: 1,
        host: os.hostname(),
        started: '2025-01-01T00:00:00.000Z',
        command: 'syskit synth',
        ...holder,
      }),
    );

  it('lets one process at a time hold it: concurrent increments under the lock are never lost', async () => {
    const counter = path.join(tmp, 'counter');
    fs.writeFileSync(counter, '0');
    const contenders = [0, 1, 2].map(
      () =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', path.join(__dirname, 'lock-contender.ts'), lockFile, counter, '4'],
            { cwd: ROOT, stdio: 'inherit' },
          );
          child.on('error', reject);
          child.on('close', resolve);
        }),
    );
    expect(await Promise.all(contenders)).toEqual([0, 0, 0]);
    expect(fs.readFileSync(counter, 'utf8')).toBe('12');
    expect(fs.existsSync(lockFile)).toBe(false);
  }, 300_000);

  it('takes over the lock of a process that is gone', () => {
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeHolder({ pid: gone });
    const lock = FolderLock.acquire(lockFile, { waitMs: 0 });
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('takes over the lock of a holder whose pid now belongs to another process', async () => {
    const other = spawn('sleep', ['30']);
    try {
      await new Promise((r) => other.once('spawn', r));
      writeHolder({ pid: other.pid!, processStart: '1' });
      FolderLock.acquire(lockFile, { waitMs: 0 }).release();
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('waits visibly for a live holder, then fails naming it and how to clear the lock', () => {
    writeHolder({ pid: 4242, host: 'build-7' });
    const told: string[] = [];
    let error: unknown;
    const started = Date.now();
    try {
      FolderLock.acquire(lockFile, { waitMs: 400, label: 'dist', onWait: (m) => told.push(m) });
    } catch (e) {
      error = e;
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(told).toEqual([
      'waiting for dist: locked by syskit synth (pid 4242 on build-7, since 2025-01-01T00:00:00.000Z) (waited 0s of 0.4s)',
    ]);
    expect(error).toBeInstanceOf(OutputBusyError);
    expect((error as Error).message).toBe(
      'dist is locked by syskit synth (pid 4242 on build-7, since 2025-01-01T00:00:00.000Z), still after 0.4s; ' +
        `wait for that run to finish, or if it is gone (on another machine, say), remove ${lockFile} and run again`,
    );
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: 4242 });
  });

  it('never removes a lock that is not its own on release', () => {
    const lock = FolderLock.acquire(lockFile);
    writeHolder({ pid: 4242, host: 'build-7' });
    lock.release();
    expect(JSON.parse(fs.readFileSync(lockFile, 'utf8'))).toMatchObject({ pid: 4242 });
  });
});
