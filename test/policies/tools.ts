import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Building a tool the first time compiles its Go module: allow for it. */
export const BUILD_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The path of a pinned tool, built by scripts/tools.sh if needed. Throws (so the test fails, never
 * skips) when the tool cannot be built.
 */
export function toolPath(tool: 'opa' | 'gator' | 'kustomize'): string {
  try {
    return execFileSync('bash', [path.join(repoRoot, 'scripts', 'tools.sh'), 'path', tool], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: BUILD_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`scripts/tools.sh could not build ${tool}: ${err.stderr?.trim() || err.message}`);
  }
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a binary from the repository root and returns what it printed. */
export function run(binary: string, args: string[]): Run {
  const result = spawnSync(binary, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
