import * as os from 'node:os';
import { ConcurrentUpdateError } from '@pulumi/pulumi/automation';
import { isStale, lockHolders, StackLocked, withStackLock } from '../../stacks/stack-lock';

/** What Pulumi's file and S3 backends print when another run holds the stack. */
const lockedMessage = (pid: number, host = 'ci-runner-7') =>
  'error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or ' +
  'delete the lock file with `pulumi cancel`.\n' +
  `  s3://state/.pulumi/locks/organization/syskit/dev.commerce/1b2c.json: created by runner@${host} (pid ${pid}) at 2026-03-01T10:00:00Z\n`;

const lockedError = (pid: number, host?: string) => new Error(lockedMessage(pid, host));

describe('stack locks', () => {
  it("reads who holds a lock from Pulumi's message", () => {
    expect(lockHolders(lockedMessage(4242))).toEqual([
      {
        file: 's3://state/.pulumi/locks/organization/syskit/dev.commerce/1b2c.json',
        user: 'runner',
        host: 'ci-runner-7',
        pid: 4242,
        since: '2026-03-01T10:00:00Z',
      },
    ]);
  });

  it('names each holder once, though Pulumi repeats the refusal', () => {
    expect(lockHolders(lockedMessage(4242) + lockedMessage(4242)).map((h) => h.pid)).toEqual([4242]);
  });

  it('judges a lock stale only when its process is gone from this machine', () => {
    const holder = lockHolders(lockedMessage(4242))[0];
    expect(isStale(holder, 'ci-runner-7', () => false)).toBe(true);
    expect(isStale(holder, 'ci-runner-7', () => true)).toBe(false);
    // Another machine's process cannot be seen from here: never stale.
    expect(isStale(holder, 'laptop', () => false)).toBe(false);
  });

  it('waits visibly for a live holder and goes ahead once the lock is released', async () => {
    const log: string[] = [];
    let calls = 0;
    const cancel = jest.fn(async () => undefined);
    const result = await withStackLock(
      { name: 'dev.commerce', cancel },
      async () => {
        calls++;
        if (calls < 3) throw lockedError(process.pid, 'elsewhere');
        return 'applied';
      },
      { attempts: 5, delayMs: 1, log: (l) => log.push(l) },
    );
    expect(result).toBe('applied');
    expect(calls).toBe(3);
    expect(cancel).not.toHaveBeenCalled();
    expect(log).toEqual([
      expect.stringMatching(
        /^dev\.commerce: locked by runner@elsewhere pid \d+; retrying in \d+s \(attempt 2 of 5\)$/,
      ),
      expect.stringMatching(/\(attempt 3 of 5\)$/),
    ]);
  });

  it('gives up after a bounded wait, naming the holder and how to clear a stale lock', async () => {
    const run = jest.fn(async () => {
      throw new (ConcurrentUpdateError as unknown as new (result: object) => Error)({
        toString: () => `code: 255
 stderr: ${lockedMessage(77, 'ci-runner-7')}`,
      });
    });
    const failure = withStackLock({ name: 'dev.commerce', cancel: async () => undefined }, run, {
      attempts: 3,
      delayMs: 1,
    });
    await expect(failure).rejects.toBeInstanceOf(StackLocked);
    await expect(failure).rejects.toThrow(
      /stack dev\.commerce is locked by runner@ci-runner-7 \(pid 77\) since 2026-03-01T10:00:00Z; waited \d+s\. .*pulumi cancel --yes --stack dev\.commerce/,
    );
    expect(run).toHaveBeenCalledTimes(3);
  });

  it('clears a lock whose process died on this machine, then runs', async () => {
    // A pid that cannot be running: beyond the kernel's pid_max.
    const dead = 2 ** 22 + 1;
    const host = os.hostname();
    const log: string[] = [];
    let locked = true;
    const cancel = jest.fn(async () => {
      locked = false;
    });
    const result = await withStackLock(
      { name: 'dev.commerce', cancel },
      async () => {
        if (locked) throw lockedError(dead, host);
        return 'applied';
      },
      { attempts: 3, delayMs: 1, log: (l) => log.push(l) },
    );
    expect(result).toBe('applied');
    expect(cancel).toHaveBeenCalledTimes(1);
    expect(log).toEqual([`dev.commerce: clearing a stale lock of pid ${dead} (no longer running)`]);
  });

  it('passes every other failure through untouched', async () => {
    const error = new Error('kubernetes: admission webhook denied the request');
    await expect(
      withStackLock({ name: 'dev', cancel: async () => undefined }, async () => Promise.reject(error), {
        delayMs: 1,
      }),
    ).rejects.toBe(error);
  });
});
