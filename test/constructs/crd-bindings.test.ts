import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, type Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { parse } from 'yaml';
import { PlatformChart } from '../../constructs/platform-chart';
import { SystemChart } from '../../constructs/system-chart';
import { resolve } from '../../model';
import { stageBarmanCloudCrd } from '../../tools/upstream-crds';
import { everyMeshFleets } from './every-mesh-fleet';

const ROOT = path.resolve(__dirname, '../..');
const IMPORTS = path.join(ROOT, 'constructs', 'imports');

/** `apiVersion kind` of every generated class, from cdk8s-plus's Kubernetes bindings and ours. */
/** A generated class: what `prototype` its objects inherit from. */
type Binding = { prototype: object };

function bindings(): Map<string, Binding> {
  const out = new Map<string, Binding>();
  const modules = [
    kplus.k8s as Record<string, unknown>,
    ...fs
      .readdirSync(IMPORTS)
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      .map((file) => require(path.join(IMPORTS, file)) as Record<string, unknown>),
  ];
  for (const exports of modules)
    for (const value of Object.values(exports)) {
      const gvk = (value as { GVK?: { apiVersion: string; kind: string } }).GVK;
      if (typeof value === 'function' && gvk) out.set(`${gvk.apiVersion} ${gvk.kind}`, value as Binding);
    }
  return out;
}

describe('typed CRD bindings', () => {
  it('are exactly what cdk8s import generates from the CRD files cdk8s.yaml lists', () => {
    const config = parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8'));
    expect(config.importDirectory).toBe('constructs/imports');
    stageBarmanCloudCrd();
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

  it('write every object of a kind they have, in every environment and on either mesh', () => {
    const typed = bindings();
    const untyped = new Set<string>();
    const mismatched = new Set<string>();
    let checked = 0;
    for (const fleet of everyMeshFleets())
      for (const env of fleet.environments) {
        const charts: Chart[] = fleet.systems.map(
          (system) =>
            new SystemChart(new App({ outdir: 'unused' }), system.name, {
              system: resolve(system, env, fleet),
            }),
        );
        if (!env.ephemeral)
          charts.push(
            new PlatformChart(new App({ outdir: 'unused' }), 'platform', { environment: env, hostnames: [] }),
          );
        for (const chart of charts)
          for (const object of chart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
            checked++;
            const key = `${object.apiVersion} ${object.kind}`;
            const binding = typed.get(key);
            if (!binding) untyped.add(key);
            // Not `instanceof`: cdk8s answers it for every ApiObject, whatever class asks.
            else if (!Object.prototype.isPrototypeOf.call(binding.prototype, object))
              mismatched.add(`${key} (${object.node.path})`);
          }
      }
    expect(checked).toBeGreaterThan(1000);
    expect([...mismatched]).toEqual([]);
    // Gatekeeper makes a CRD per ConstraintTemplate at run time: its constraints have no pinned CRD.
    expect([...untyped].filter((k) => !k.startsWith('constraints.gatekeeper.sh/'))).toEqual([]);
    expect(untyped.size).toBeGreaterThan(0);
  }, 300_000);

  it('leave no untyped object in the sources of constructs and stacks', () => {
    const groups = fs.readdirSync(IMPORTS).map((f) => f.replace(/\.ts$/, ''));
    const found: string[] = [];
    for (const dir of ['constructs', 'stacks', 'synth']) {
      for (const file of fs.readdirSync(path.join(ROOT, dir)).filter((f) => f.endsWith('.ts'))) {
        const source = fs.readFileSync(path.join(ROOT, dir, file), 'utf8');
        for (const group of groups)
          if (source.includes(`apiVersion: '${group}/`)) found.push(`${dir}/${file}: apiVersion of ${group}`);
        const untyped = source.split('new ApiObject(').length - 1;
        // The one allowed: Gatekeeper constraints, whose kinds exist only at run time.
        const allowed = `${dir}/${file}` === 'constructs/gatekeeper-policies.ts' ? 1 : 0;
        if (untyped !== allowed) found.push(`${dir}/${file}: ${untyped} new ApiObject(...)`);
      }
    }
    expect(found).toEqual([]);
  });
});
