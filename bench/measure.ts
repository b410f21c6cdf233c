/**
 * One measurement in a process of its own, so peak memory (maxRSS) belongs to that
 * measurement alone. Prints one JSON line: { ms, objects, maxRssMb, ... }.
 *
 *   measure.ts <mode> <systems> [jobs]
 *   modes: synth | floor | floor-yaml | floor-json | naive | incremental | validate
 *
 * The floors write the final objects without building them: `floor` with synth's own writer
 * (js-yaml, synth/yaml-writer.ts, the fastest correct one measured), `floor-yaml` with the yaml
 * package as cdk8s's synthYaml calls it, `floor-json` with JSON.stringify, the physical limit.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { toYaml } from '../synth/yaml-writer';
import { SystemChart } from '../constructs/system-chart';
import { policyEnvironmentOf } from '../constructs/gatekeeper-policies';
import { environments } from '../environments';
import { parseFleet, resolve } from '../model';
import { evaluate } from '../policies/evaluate';
import { writeEnvironment } from '../synth/engine';
import { synthesize } from '../synth/synthesize';
import { syntheticFleet, systemName } from './fleet';

async function main(): Promise<void> {
  const [mode, nText, jobsText] = process.argv.slice(2);
  const n = Number(nText);
  const jobs = jobsText ? Number(jobsText) : undefined;
  const fleet = parseFleet(syntheticFleet(n), environments);
  const result: Record<string, number> = {};

  if (mode === 'synth' || mode === 'incremental') {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-bench-'));
    try {
      const write = async (f: typeof fleet, cache: boolean) => {
        const r = await synthesize(f, f.environments, f.systems, {
          jobs,
          cacheFrom: cache ? out : undefined,
        });
        for (const [env, files] of r.files) writeEnvironment(out, env, files, false);
        return r;
      };
      if (mode === 'synth') {
        const t0 = performance.now();
        const r = await write(fleet, false);
        result.ms = performance.now() - t0;
        result.objects = [...r.files.values()].flat().reduce((s, f) => s + f.objects, 0);
      } else {
        await write(fleet, false);
        // One system changes its image; every other (system, environment) must be reused.
        const changed = syntheticFleet(n);
        const target = changed[Math.floor(n / 2)];
        target.services['svc-3'].image = `registry.acme.example/${systemName(Math.floor(n / 2))}/svc-3:9.9.9`;
        const changedFleet = parseFleet(changed, environments);
        const t0 = performance.now();
        const r = await write(changedFleet, true);
        result.ms = performance.now() - t0;
        result.rendered = r.rendered;
        result.reused = r.reused;
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  } else if (mode.startsWith('floor') || mode === 'naive' || mode === 'validate') {
    // The same objects syskit writes, built before the clock starts.
    const objects = fleet.environments.flatMap((env) =>
      fleet.systems.map((s) =>
        new SystemChart(new App({ outdir: 'unused' }), s.name, { system: resolve(s, env, fleet) }).toJson(),
      ),
    );
    result.objects = objects.reduce((s, o) => s + o.length, 0);
    const writers: Record<string, (docs: Record<string, unknown>[]) => string> = {
      floor: (docs) => toYaml(docs),
      'floor-yaml': (docs) =>
        docs.map((d) => stringify(d, { keepUndefined: true, lineWidth: 0, version: '1.1' })).join('---\n'),
      'floor-json': (docs) => JSON.stringify(docs),
    };
    if (writers[mode]) {
      const write = writers[mode];
      const t0 = performance.now();
      let bytes = 0;
      for (const docs of objects) bytes += write(docs).length;
      result.ms = performance.now() - t0;
      result.bytes = bytes;
    } else if (mode === 'naive') {
      const t0 = performance.now();
      // Everything in one cdk8s App: what syskit avoids.
      const app = new App({ outdir: 'unused' });
      for (const env of fleet.environments) {
        for (const s of fleet.systems)
          new SystemChart(app, `${env.name}-${s.name}`, { system: resolve(s, env, fleet) });
      }
      const yaml = app.synthYaml();
      result.ms = performance.now() - t0;
      result.bytes = yaml.length;
    } else {
      const prod = fleet.environments.find((e) => e.name === 'prod')!;
      const prodObjects = fleet.systems.flatMap((s) =>
        new SystemChart(new App({ outdir: 'unused' }), s.name, { system: resolve(s, prod, fleet) }).toJson(),
      );
      const t0 = performance.now();
      const violations = await evaluate(prodObjects, policyEnvironmentOf(prod));
      result.ms = performance.now() - t0;
      result.objects = prodObjects.length;
      result.violations = violations.length;
    }
  } else {
    throw new Error(`unknown mode "${mode}"`);
  }
  result.maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
