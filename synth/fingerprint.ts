import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PROJECT_ROOT } from './load';

/** What the toolkit's output depends on besides the declarations. */
const SOURCES = ['model', 'constructs', 'synth', 'policies'];
const SOURCE_FILE = /\.(ts|rego|yaml)$/;

let cached: string | undefined;

/**
 * A hash of the toolkit itself: its version, the locked dependency versions and every source
 * file that shapes the output. A change to any of them invalidates every cached render, so an
 * incremental run can never serve output from an older toolkit.
 */
export function toolkitFingerprint(): string {
  if (cached) return cached;
  const hash = createHash('sha256');
  for (const file of ['package.json', 'package-lock.json']) {
    const p = path.join(PROJECT_ROOT, file);
    if (fs.existsSync(p)) hash.update(file).update(fs.readFileSync(p));
  }
  const walk = (dir: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (SOURCE_FILE.test(entry.name))
        hash.update(path.relative(PROJECT_ROOT, p)).update(fs.readFileSync(p));
    }
  };
  for (const dir of SOURCES)
    if (fs.existsSync(path.join(PROJECT_ROOT, dir))) walk(path.join(PROJECT_ROOT, dir));
  cached = hash.digest('hex');
  return cached;
}

/** The content hash of one render's inputs: the resolved value and the toolkit. */
export function inputHash(value: unknown): string {
  return createHash('sha256')
    .update(toolkitFingerprint())
    .update(JSON.stringify(value))
    .digest('hex')
    .slice(0, 32);
}
