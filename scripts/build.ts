/**
 * `npm run build`: compiles the toolkit's TypeScript (what `cli/main.ts` and the render worker
 * reach) into build/, so that the CLI starts without transpiling its own sources on every run.
 * Beside the output goes the size and modification time of every source compiled
 * (bin/compiled.js), so a build is used only while it matches the sources. The new build replaces
 * the old one in one rename: a CLI starting meanwhile sees the old build, the new one, or none.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { BUILD_DIR, MANIFEST, sourceState } = require('../bin/compiled.js') as {
  BUILD_DIR: string;
  MANIFEST: string;
  sourceState(root: string, files: string[]): Record<string, [number, number]>;
};

const root = path.resolve(__dirname, '..');
const target = path.join(root, BUILD_DIR);
const staging = fs.mkdtempSync(path.join(root, `.${BUILD_DIR}.new-`));

try {
  execFileSync(
    process.execPath,
    [
      require.resolve('typescript/bin/tsc'),
      '-p',
      path.join(root, 'tsconfig.build.json'),
      '--outDir',
      staging,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  const compiled: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.js'))
        compiled.push(path.relative(staging, file).replace(/\.js$/, '.ts'));
    }
  };
  walk(staging);
  const sources = [...compiled, 'tsconfig.json', 'tsconfig.build.json'].sort();
  fs.writeFileSync(
    path.join(staging, MANIFEST),
    `${JSON.stringify({ sources: sourceState(root, sources) }, null, 1)}\n`,
  );
  const previous = fs.existsSync(target) ? `${staging.replace('.new-', '.old-')}` : undefined;
  if (previous) fs.renameSync(target, previous);
  fs.renameSync(staging, target);
  if (previous) fs.rmSync(previous, { recursive: true, force: true });
  process.stderr.write(`compiled ${compiled.length} modules into ${BUILD_DIR}/\n`);
} catch (error) {
  fs.rmSync(staging, { recursive: true, force: true });
  process.stderr.write(`build failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
