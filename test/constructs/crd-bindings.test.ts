import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';

const ROOT = path.resolve(__dirname, '../..');
const IMPORTS = path.join(ROOT, 'constructs', 'imports');

describe('typed CRD bindings', () => {
  it('are exactly what cdk8s import generates from the CRD files cdk8s.yaml lists', () => {
    const config = parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
    expect(config.importDirectory).toBe('constructs/imports');
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-import-'));
    try {
      for (const source of config.imports as string[]) {
        const result = spawnSync(
          process.execPath,
          [
            path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s'),
            'import',
            source,
            '--output',
            out,
            '--language',
            'typescript',
            '--no-save',
            '--no-check-upgrade',
          ],
          { cwd: ROOT, encoding: 'utf8' },
        );
        if (result.status !== 0) throw new Error(`cdk8s import ${source} failed:\n${result.stderr}`);
      }
      const committed = fs.readdirSync(IMPORTS).sort();
      expect(committed.length).toBeGreaterThan(0);
      for (const file of committed) {
        expect({
          file,
          same:
            fs.readFileSync(path.join(out, file), 'utf8') ===
            fs.readFileSync(path.join(IMPORTS, file), 'utf8'),
        }).toEqual({ file, same: true });
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);

  it('are used by the constructs instead of untyped objects for their groups', () => {
    const groups = fs.readdirSync(IMPORTS).map((f) => f.replace(/\.ts$/, ''));
    const untyped: string[] = [];
    for (const file of fs.readdirSync(path.join(ROOT, 'constructs')).filter((f) => f.endsWith('.ts'))) {
      const source = fs.readFileSync(path.join(ROOT, 'constructs', file), 'utf8');
      for (const group of groups)
        if (source.includes(`apiVersion: '${group}/`)) untyped.push(`${file}: ${group}`);
    }
    expect(untyped).toEqual([]);
  });
});
