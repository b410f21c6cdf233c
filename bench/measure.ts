/**
 * One measurement in a process of its own, so peak memory (maxRSS) belongs to that
 * measurement alone. Prints one JSON line: { ms, objects, maxRssMb, ... }.
 *
 *   measure.ts <mode> <systems> [jobs]
 *   modes: synth | floor | floor-yaml | floor-json | naive | incremental | validate | diff
 *
 * The floors write the final objects without building them: `floor` with synth's own writer
 * (js-yaml, synth/yaml-writer.ts, the fastest correct one measured), `floor-yaml` with the yaml
 * package as cdk8s's synthYaml calls it, `floor-json` with JSON.stringify, the physical limit.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdk8s';
import { stringify } from 'yaml';
import { toYaml } from '../synth/yaml-writer';
import { SystemChart } from '../constructs/system-chart';
import { policyEnvironmentOf } from '../policies/policy-environment';
import { environments } from '../environments';
import { parseFleet, resolve } from '../model';
import { evaluate } from '../policies/evaluate';
import { writeOutput } from '../synth/engine';
import { synthesize } from '../synth/synthesize';
import { syntheticFleet, systemName } from './fleet';

async function main(): Promise<void> {
  const [mode, nText, jobsText] = process.argv.slice(2);
  const n = Number(nText);
  const jobs = jobsText ? Number(jobsText) : undefined;
  const fleet = parseFleet(syntheticFleet(n), environments);
  const result: Record<string, number> = {};

  if (mode === 'synth' || mode === 'incremental') {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-bench-'));
    const out = path.join(tmp, 'dist');
    try {
      const write = async (f: typeof fleet, cache: boolean) => {
        const r = await synthesize(f, f.environments, f.systems, {
          jobs,
          cacheFrom: cache ? out : undefined,
        });
        writeOutput(out, r.files);
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
      fs.rmSync(tmp, { recursive: true, force: true });
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
  } else if (mode === 'diff') {
    Object.assign(result, measureDiff(n));
  } else {
    throw new Error(`unknown mode "${mode}"`);
  }
  result.maxRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * `syskit diff` as a pull request runs it, against a full `syskit synth` of the same fleet, both as
 * commands in a git repository of JSON declarations. One system changes: a public route without
 * authentication and a call to its neighbour, so the neighbour's objects change too.
 */
function measureDiff(n: number): Record<string, number> {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-bench-diff-'));
  const root = path.resolve(__dirname, '..');
  const cli = (...args: string[]) => {
    const t0 = performance.now();
    try {
      execFileSync(process.execPath, [path.join(root, 'bin/syskit.js'), ...args], {
        cwd: repo,
        stdio: 'pipe',
      });
    } catch (error) {
      // diff exits 1 when there is something to review: that is the measured case.
      if ((error as { status?: number }).status !== 1) throw error;
    }
    return performance.now() - t0;
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
  try {
    const systems = syntheticFleet(n);
    fs.mkdirSync(path.join(repo, 'systems'));
    fs.mkdirSync(path.join(repo, 'environments'));
    const writeSystem = (s: (typeof systems)[number]) =>
      fs.writeFileSync(path.join(repo, 'systems', `${s.name}.json`), JSON.stringify(s, null, 2));
    systems.forEach(writeSystem);
    for (const env of environments)
      fs.writeFileSync(path.join(repo, 'environments', `${env.name}.json`), JSON.stringify(env, null, 2));
    git('init', '-q');
    git('add', '.');
    git('-c', 'user.name=bench', '-c', 'user.email=bench@acme.example', 'commit', '-q', '-m', 'fleet');
    const i = Math.floor(n / 2);
    const target = systems[i];
    target.services['svc-0'].routes = [{ host: target.name, path: '/v1/open', auth: 'none' }];
    target.services['svc-5'].calls = [
      ...(target.services['svc-5'].calls ?? []),
      `${systemName((i + 1) % n)}/svc-7`,
    ];
    writeSystem(target);
    const fleetFlags = ['--systems', 'systems', '--environments', 'environments'];
    const diffMs = cli('diff', ...fleetFlags, '--format', 'json');
    const synthMs = cli('synth', ...fleetFlags, '--out', path.join(repo, 'dist'), '--quiet', '--force');
    return { ms: diffMs, synthMs };
  } finally {
    fs.rmSync(repo, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
