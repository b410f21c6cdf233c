import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { environments } from '../../environments';

const ROOT = path.resolve(__dirname, '../..');

/** The cdk8s CLI as its users run it, from the project's own devDependency (no upgrade check). */
function cdk8s(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/cdk8s-cli/bin/cdk8s'), ...args, '--no-check-upgrade'],
    { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  if (result.status !== 0)
    throw new Error(`cdk8s ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

const objects = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJSON())
    .filter((o) => o !== null);

describe('npx cdk8s synth', () => {
  it('prints one environment’s manifests with --stdout, as one YAML stream', () => {
    const printed = objects(cdk8s(['synth', '--stdout'], { SYSKIT_ENV: 'dev' }));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cdk8s-'));
    try {
      cdk8s(['synth', '-o', out], { SYSKIT_ENV: 'dev' });
      expect(fs.readdirSync(out)).toEqual(['dev.k8s.yaml']);
      const written = objects(fs.readFileSync(path.join(out, 'dev.k8s.yaml'), 'utf8'));
      expect(printed.length).toBeGreaterThan(100);
      expect(printed).toEqual(written);
      expect(new Set(printed.map((o: any) => o.metadata.labels?.['syskit.io/environment']))).toEqual(
        new Set(['dev']),
      );
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);

  it('writes one <env>.k8s.yaml per environment to the folder -o names', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cdk8s-'));
    try {
      cdk8s(['synth', '-o', out]);
      expect(fs.readdirSync(out).sort()).toEqual(environments.map((e) => `${e.name}.k8s.yaml`).sort());
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 180_000);
});
