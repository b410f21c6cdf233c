import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../synth/load';
import { UsageError } from '../synth/errors';

/** Where one side's declarations are read from. */
export interface DeclarationPaths {
  readonly systems: string;
  readonly environments: string;
  /** The folder `authz.policy` paths start from. @default - the repository root */
  readonly root?: string;
}

/** A side that lives in a temporary folder until `dispose`. */
export interface BaseCheckout {
  readonly paths: DeclarationPaths;
  dispose(): void;
}

function git(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The top of the git work tree holding `target`, or undefined outside one. */
export function repositoryOf(target: string): string | undefined {
  const dir = fs.statSync(target).isDirectory() ? target : path.dirname(target);
  try {
    return git(dir, ['rev-parse', '--show-toplevel']).toString().trim();
  } catch {
    return undefined;
  }
}

/** The same relative places under another root. */
function relocate(head: DeclarationPaths, from: string, to: string): DeclarationPaths {
  const move = (p: string) => {
    const relative = path.relative(from, fs.realpathSync(p));
    if (relative.startsWith('..'))
      throw new UsageError(`${p} lies outside ${from}, so it has no counterpart in the base`);
    return path.join(to, relative);
  };
  return { systems: move(head.systems), environments: move(head.environments), root: to };
}

/**
 * The base as a folder laid out like the working copy: the systems and environments are read from
 * the same paths relative to it as the working copy's are relative to the repository.
 */
export function baseDirectory(dir: string, head: DeclarationPaths): DeclarationPaths {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new UsageError(`--base-dir ${dir}: no such directory`);
  const root = repositoryOf(head.systems) ?? PROJECT_ROOT;
  return relocate(head, fs.realpathSync(root), path.resolve(dir));
}

/**
 * The repository's tree at `ref`, written to a temporary folder with `git archive`: the work
 * tree, the index and the repository's refs are never touched, so a diff can run beside
 * uncommitted work. Declarations in TypeScript import the toolkit and its dependencies, so the
 * folder borrows the working copy's `node_modules`.
 */
export function checkoutRef(ref: string, head: DeclarationPaths): BaseCheckout {
  const root = repositoryOf(head.systems);
  if (root === undefined)
    throw new UsageError(`--base ${ref} needs the systems in a git repository; use --base-dir <path>`);
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UsageError(`--base ${ref}: no such commit, branch or tag in ${root}`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-base-'));
  try {
    const tree = git(root, ['archive', '--format=tar', `${ref}^{commit}`]);
    execFileSync('tar', ['-x', '-C', dir], { input: tree, stdio: ['pipe', 'ignore', 'pipe'] });
    const modules = [path.join(root, 'node_modules'), path.join(PROJECT_ROOT, 'node_modules')].find((m) =>
      fs.existsSync(m),
    );
    if (modules && !fs.existsSync(path.join(dir, 'node_modules')))
      fs.symlinkSync(fs.realpathSync(modules), path.join(dir, 'node_modules'), 'dir');
    return {
      paths: relocate(head, fs.realpathSync(root), dir),
      dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
