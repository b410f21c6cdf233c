import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What a file of the output holds: new content, or a link to an identical file of the previous
 * run (written as a hard link, so an incremental run does not rewrite what it kept).
 */
export type FileBody = string | { readonly link: string };

/**
 * Writes `files` (named by their path below `root`, with `/` separators) into `root`, which
 * must be a new, empty folder: the output is written aside and only then made visible.
 */
export function writeTree(root: string, files: ReadonlyMap<string, FileBody>): void {
  for (const [name, content] of files) {
    const dest = path.join(root, name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    if (typeof content === 'string') fs.writeFileSync(dest, content);
    else linkOrCopy(content.link, dest);
  }
}

/** A hard link where the file system allows one, a copy where it does not. */
function linkOrCopy(source: string, dest: string): void {
  try {
    fs.linkSync(source, dest);
  } catch {
    fs.copyFileSync(source, dest);
  }
}

/**
 * The files in `dir` and its subfolders, named by their path below it with `/` separators, as
 * links, for carrying over those not rendered this run. Dot-files at the top are syskit's own
 * bookkeeping of an older layout (`.syskit-cache.json`), never output, so they are left out.
 */
export function listTree(dir: string): Map<string, { link: string }> {
  const out = new Map<string, { link: string }>();
  const walk = (folder: string, prefix: string) => {
    for (const entry of fs
      .readdirSync(folder, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (prefix === '' && entry.name.startsWith('.')) continue;
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) walk(file, `${prefix}${entry.name}/`);
      else if (entry.isFile()) out.set(`${prefix}${entry.name}`, { link: file });
    }
  };
  if (isDirectory(dir)) walk(dir, '');
  return out;
}

/** The text of a file body. */
export function bodyText(body: FileBody): string {
  return typeof body === 'string' ? body : fs.readFileSync(body.link, 'utf8');
}

/** Whether `p` is a folder (following links); false when it does not exist. */
export function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
