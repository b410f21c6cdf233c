import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from '../synth/load';
import { UsageError } from '../synth/errors';
import { registerRepositoryCopy } from '../synth/typescript-declarations';

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
 * the same paths relative to it as the working copy's are relative to the repository. Until
 * `dispose`, its toolkit sources that equal the working copy's load as its compiled modules.
 */
export function baseDirectory(dir: string, head: DeclarationPaths): BaseCheckout {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new UsageError(`--base-dir ${dir}: no such directory`);
  const root = repositoryOf(head.systems) ?? PROJECT_ROOT;
  const paths = relocate(head, fs.realpathSync(root), path.resolve(dir));
  // Modules are known by their real paths.
  return { paths, dispose: registerRepositoryCopy(fs.realpathSync(dir)) };
}

/**
 * A part of the tree, as a test on a file's path in the repository and as a git pathspec. A
 * pathspec that matches nothing makes `git archive` fail, so only parts that match are asked for.
 */
interface TreePart {
  readonly holds: (file: string) => boolean;
  readonly pathspec: string;
}

const folder = (dir: string): TreePart =>
  dir === ''
    ? { holds: () => true, pathspec: '.' }
    : { holds: (f) => f.startsWith(`${dir}/`), pathspec: `:(literal)${dir}` };
const file = (name: string): TreePart => ({ holds: (f) => f === name, pathspec: `:(literal)${name}` });

/**
 * What declarations can need of the tree besides their own folders: the model they import
 * (DESIGN.md: declarations import model/ only) and the Rego files `authz.policy` names (which
 * must end in `.rego`).
 */
const DECLARATION_NEEDS: TreePart[] = [
  folder('model'),
  { holds: (f) => f.endsWith('.rego'), pathspec: ':(glob)**/*.rego' },
];

/**
 * The repository's tree at `ref`, written to a temporary folder with `git archive`: the work
 * tree, the index and the repository's refs are never touched, so a diff can run beside
 * uncommitted work. Unless `whole`, only the declarations' folders and what they need are
 * written (a declaration that imports anything else fails to load; `readBase` then reads the
 * whole tree). Declarations in TypeScript import the toolkit and its dependencies, so the folder
 * borrows the working copy's `node_modules`, and until `dispose` the toolkit sources that equal
 * the working copy's load as its compiled modules (`registerRepositoryCopy`).
 */
export function checkoutRef(ref: string, head: DeclarationPaths, whole = false): BaseCheckout {
  const root = repositoryOf(head.systems);
  if (root === undefined)
    throw new UsageError(`--base ${ref} needs the systems in a git repository; use --base-dir <path>`);
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new UsageError(`--base ${ref}: no such commit, branch or tag in ${root}`);
  }
  const top = fs.realpathSync(root);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-base-'));
  let unregister: (() => void) | undefined;
  try {
    const paths = relocate(head, top, dir);
    const pathspecs = whole ? ['.'] : wantedParts(root, ref, top, head);
    if (pathspecs.length > 0) {
      const tree = git(root, ['archive', '--format=tar', `${ref}^{commit}`, '--', ...pathspecs]);
      execFileSync('tar', ['-x', '-C', dir], { input: tree, stdio: ['pipe', 'ignore', 'pipe'] });
    }
    const modules = [path.join(root, 'node_modules'), path.join(PROJECT_ROOT, 'node_modules')].find((m) =>
      fs.existsSync(m),
    );
    if (modules && !fs.existsSync(path.join(dir, 'node_modules')))
      fs.symlinkSync(fs.realpathSync(modules), path.join(dir, 'node_modules'), 'dir');
    unregister = registerRepositoryCopy(fs.realpathSync(dir));
    return {
      paths,
      dispose: () => {
        unregister?.();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    unregister?.();
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The pathspecs of the declarations' folders (or files) and their needs that exist at `ref`. */
function wantedParts(root: string, ref: string, top: string, head: DeclarationPaths): string[] {
  const files = git(root, ['ls-tree', '-r', '-z', '--name-only', `${ref}^{commit}`])
    .toString()
    .split('\0')
    .filter((f) => f !== '');
  const own = [head.systems, head.environments].map((p) => {
    const relative = path.relative(top, fs.realpathSync(p)).split(path.sep).join('/');
    return fs.statSync(p).isDirectory() ? folder(relative) : file(relative);
  });
  return [...own, ...DECLARATION_NEEDS].filter((part) => files.some(part.holds)).map((part) => part.pathspec);
}
