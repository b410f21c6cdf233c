import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syntheticFleet } from '../../bench/fleet';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { parseFleet, resolve, type Fleet } from '../../model';
import { writeOutput, type RenderedFile } from '../../synth/engine';
import { bodyText } from '../../synth/output';
import { PARALLEL_THRESHOLD_WORKLOADS, workloadsOf } from '../../synth/pool';
import { synthesize } from '../../synth/synthesize';

/** Enough systems in two environments to go past the threshold where worker threads start. */
const SYSTEMS = 21;

function contents(files: ReadonlyMap<string, RenderedFile[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [env, list] of files) {
    for (const f of list) {
      out[`${env}/${f.file}`] = f.content;
      for (const [name, body] of f.companions?.files ?? [])
        out[`${env}/${f.companions!.dir}/${name}`] = bodyText(body);
    }
  }
  return out;
}

describe('synthesize', () => {
  let fleet: Fleet;
  let serial: Record<string, string>;
  let tmp: string;
  let out: string;

  beforeAll(async () => {
    fleet = parseFleet(syntheticFleet(SYSTEMS), [dev, prod]);
    serial = contents((await synthesize(fleet, fleet.environments, fleet.systems, { jobs: 1 })).files);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-incremental-'));
    out = path.join(tmp, 'dist');
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('renders on worker threads exactly what a serial run renders', async () => {
    const resolved = fleet.environments.flatMap((env) => fleet.systems.map((s) => resolve(s, env, fleet)));
    expect(workloadsOf(resolved)).toBeGreaterThanOrEqual(PARALLEL_THRESHOLD_WORKLOADS);
    const parallel = await synthesize(fleet, fleet.environments, fleet.systems, { jobs: 2 });
    expect(parallel.rendered).toBe(SYSTEMS * 2 + 2);
    expect(contents(parallel.files)).toEqual(serial);
  }, 120_000);

  it('after a one-system change renders only that system, and the result equals a full run', async () => {
    const first = await synthesize(fleet, fleet.environments, fleet.systems, { jobs: 1 });
    writeOutput(out, first.files);

    const changedInput = syntheticFleet(SYSTEMS);
    changedInput[4].services['svc-2'].image =
      'registry.acme.example/sys-0004/svc-2:7.7.7@sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';
    const changed = parseFleet(changedInput, [dev, prod]);
    const incremental = await synthesize(changed, changed.environments, changed.systems, {
      jobs: 1,
      cacheFrom: out,
    });
    expect({ rendered: incremental.rendered, reused: incremental.reused }).toEqual({
      rendered: 2,
      reused: SYSTEMS * 2,
    });

    const full = await synthesize(changed, changed.environments, changed.systems, { jobs: 1 });
    expect(contents(incremental.files)).toEqual(contents(full.files));
    expect(contents(incremental.files)).not.toEqual(serial);
  }, 120_000);

  it('re-renders a system whose callers changed, because its policies name them', async () => {
    const changedInput = syntheticFleet(SYSTEMS);
    // sys-0006's svc-0 now also calls sys-0008's svc-2: sys-0008 must admit it.
    changedInput[6].services['svc-0'].calls = [
      ...(changedInput[6].services['svc-0'].calls ?? []),
      'sys-0008/svc-2',
    ];
    const changed = parseFleet(changedInput, [dev, prod]);
    const incremental = await synthesize(changed, changed.environments, changed.systems, {
      jobs: 1,
      cacheFrom: out,
    });
    const full = await synthesize(changed, changed.environments, changed.systems, { jobs: 1 });
    expect(incremental.rendered).toBe(4);
    expect(contents(incremental.files)).toEqual(contents(full.files));
  }, 120_000);
});
