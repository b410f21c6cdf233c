import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Replaces `<outDir>/<env>/` with exactly `files` in one rename, so a reader (or a failed run)
 * never sees a half-written environment. Files of systems not re-rendered this run are carried
 * over from the previous output by the caller, not left behind by accident.
 */
export function replaceDirectory(outDir: string, env: string, files: ReadonlyMap<string, string>): void {
  fs.mkdirSync(outDir, { recursive: true });
  const target = path.join(outDir, env);
  const staging = fs.mkdtempSync(path.join(outDir, `.${env}.new-`));
  try {
    for (const [name, content] of files) {
      // Names may hold a folder (`vault/<system>/<file>`).
      fs.mkdirSync(path.dirname(path.join(staging, name)), { recursive: true });
      fs.writeFileSync(path.join(staging, name), content);
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

/**
 * The files currently in `<outDir>/<env>/` and its subfolders, named by their path below it with
 * `/` separators, for carrying over those not rendered this run.
 */
export function readDirectory(outDir: string, env: string): Map<string, string> {
  const root = path.join(outDir, env);
  const out = new Map<string, string>();
  const walk = (dir: string, prefix: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      const stat = fs.statSync(file);
      if (stat.isDirectory()) walk(file, `${prefix}${name}/`);
      else if (stat.isFile()) out.set(`${prefix}${name}`, fs.readFileSync(file, 'utf8'));
    }
  };
  if (fs.existsSync(root)) walk(root, '');
  return out;
}
