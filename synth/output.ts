import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * What a file of the output holds: new content, or a link to an identical file of the previous
 * run (written as a hard link, so an incremental run neither reads nor rewrites what it kept).
 */
export type FileBody = string | { readonly link: string };

/**
 * Replaces `<outDir>/<env>/` with exactly `files` in one rename, so a reader (or a failed run)
 * never sees a half-written environment. Files of systems not re-rendered this run are carried
 * over from the previous output by the caller, not left behind by accident.
 */
export function replaceDirectory(outDir: string, env: string, files: ReadonlyMap<string, FileBody>): void {
  fs.mkdirSync(outDir, { recursive: true });
  const target = path.join(outDir, env);
  const staging = fs.mkdtempSync(path.join(outDir, `.${env}.new-`));
  try {
    for (const [name, content] of files) {
      // Names may hold a folder (`vault/<system>/<file>`).
      const dest = path.join(staging, name);
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      if (typeof content === 'string') fs.writeFileSync(dest, content);
      else linkOrCopy(content.link, dest);
    }
    const previous = fs.existsSync(target) ? `${staging.replace('.new-', '.old-')}` : undefined;
    if (previous) fs.renameSync(target, previous);
    fs.renameSync(staging, target);
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
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
 * The files currently in `<outDir>/<env>/` and its subfolders, named by their path below it with
 * `/` separators, as links, for carrying over those not rendered this run.
 */
export function listDirectory(outDir: string, env: string): Map<string, { link: string }> {
  const root = path.join(outDir, env);
  const out = new Map<string, { link: string }>();
  const walk = (dir: string, prefix: string) => {
    for (const entry of fs
      .readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file, `${prefix}${entry.name}/`);
      else if (entry.isFile()) out.set(`${prefix}${entry.name}`, { link: file });
    }
  };
  if (fs.existsSync(root)) walk(root, '');
  return out;
}

/** The text of a file body. */
export function bodyText(body: FileBody): string {
  return typeof body === 'string' ? body : fs.readFileSync(body.link, 'utf8');
}
