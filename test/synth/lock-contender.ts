/**
 * A process that takes a FolderLock `rounds` times and, while holding it, increments a counter
 * file with a read, a pause and a write: any two holders at once lose an increment.
 *
 *   lock-contender.ts <lock file> <counter file> <rounds>
 */
import * as fs from 'node:fs';
import { FolderLock } from '../../synth/output';

const [lockFile, counter, rounds] = process.argv.slice(2);
for (let i = 0; i < Number(rounds); i++) {
  const lock = FolderLock.acquire(lockFile, { waitMs: 120_000 });
  const n = Number(fs.readFileSync(counter, 'utf8'));
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
  fs.writeFileSync(counter, String(n + 1));
  lock.release();
}
