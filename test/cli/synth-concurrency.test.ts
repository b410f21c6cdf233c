import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { syntheticFleet } from '../../bench/fleet';
import { OutputFolder } from '../../synth/output';
import { snapshot, syskit, until } from './syskit-process';

/**
 * Real `syskit synth` processes racing on one output folder and killed with SIGKILL mid-run.
 * Two fleets that differ in every image tag make "the previous output" and "the new output"
 * tell apart; each is rendered once into a folder of its own as the reference.
 */
describe('syskit synth into one folder, concurrently and interrupted', () => {
  const KILLS = 8;
  let tmp: string;
  const fleets: string[] = [];
  const reference: Record<string, string>[] = [];
  /** The quicker reference run: a run that switches fleets takes about as long. */
  let fullRunMs = Infinity;

  const args = (fleet: number, out: string) => ['synth', '--systems', fleets[fleet], '--out', out, '-q'];
  const stateOf = (out: string) => path.join(path.dirname(out), `.${path.basename(out)}.syskit`);
  /** Which reference a snapshot is, or the first paths that differ from `fallback`. */
  const whichRun = (tree: Record<string, string>, fallback: number): string => {
    const same = (a: Record<string, string>, b: Record<string, string>) =>
      JSON.stringify(a) === JSON.stringify(b);
    if (same(tree, reference[0])) return 'fleet 0';
    if (same(tree, reference[1])) return 'fleet 1';
    const paths = new Set([...Object.keys(tree), ...Object.keys(reference[fallback])]);
    const differ = [...paths].filter((p) => tree[p] !== reference[fallback][p]).sort();
    return `neither; differs from fleet ${fallback} in ${differ.slice(0, 5).join(', ')}`;
  };
  /** The state folder holds the marker and the current generation, nothing an earlier run left. */
  const leftovers = (out: string) =>
    fs
      .readdirSync(stateOf(out))
      .filter((e) => e !== '.syskit-output' && e !== path.basename(fs.readlinkSync(out)));

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-race-'));
    for (const variant of [0, 1]) {
      const file = path.join(tmp, `fleet-${variant}.json`);
      fs.writeFileSync(file, JSON.stringify(syntheticFleet(2, variant)));
      fleets.push(file);
    }
    for (const variant of [0, 1]) {
      const out = path.join(tmp, `reference-${variant}`);
      const started = performance.now();
      const result = await syskit(args(variant, out)).done;
      fullRunMs = Math.min(fullRunMs, performance.now() - started);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      reference.push(snapshot(out));
    }
    expect(whichRun(reference[1], 0)).toBe('fleet 1');
  }, 300_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('makes a second run wait for the first one’s lock, visibly, and never interleaves them', async () => {
    const out = path.join(tmp, 'raced');
    // This process holds the lock first, so both runs are certainly waiting at the same time.
    const holder = OutputFolder.open(out);
    const runs = [syskit(args(0, out)), syskit(args(1, out))];
    try {
      await until(
        () => runs.every((r) => r.stderr().includes(`waiting for ${out}: locked by`)),
        180_000,
        'both runs to wait',
      );
    } finally {
      holder.release();
    }
    const [a, b] = await Promise.all(runs.map((r) => r.done));
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(a.stderr).toMatch(
      new RegExp(`locked by syskit synth \\(pid ${process.pid} on ${os.hostname()}, since `),
    );
    // The run that ended last wrote last: its output is there, whole.
    const last = a.endedAt > b.endedAt ? 0 : 1;
    expect(whichRun(snapshot(out), last)).toBe(`fleet ${last}`);
    expect(leftovers(out)).toEqual([]);
  }, 600_000);

  it('leaves one complete output after a kill -9 at any moment, which a rerun reproduces byte for byte', async () => {
    const out = path.join(tmp, 'killed');
    expect((await syskit(args(0, out)).done).code).toBe(0);
    let previous = 0;
    const outcomes: string[] = [];
    for (let i = 0; i < KILLS; i++) {
      const next = 1 - previous;
      const run = syskit(args(next, out));
      let when: string;
      if (i % 2 === 0) {
        // Anywhere in the run: start-up, validation, rendering, writing, swapping.
        const delay = Math.floor(Math.random() * fullRunMs);
        when = `${delay}ms after start`;
        await new Promise((r) => setTimeout(r, delay));
      } else {
        // While the new generation is being written: the moment a half-done swap would show.
        const before = new Set(fs.readdirSync(stateOf(out)));
        await until(
          () =>
            fs.readdirSync(stateOf(out)).some((e) => e.startsWith('gen-') && !before.has(e)) ||
            run.child.exitCode !== null,
          fullRunMs * 4,
          'the new generation',
        );
        const delay = Math.floor(Math.random() * 20);
        when = `${delay}ms into writing`;
        await new Promise((r) => setTimeout(r, delay));
      }
      run.child.kill('SIGKILL');
      const killed = await run.done;
      const found = whichRun(snapshot(out), next);
      outcomes.push(`${when}: ${killed.signal ? 'killed' : 'had finished'}, output is ${found}`);
      expect({ when, found }).toEqual({ when, found: expect.stringMatching(/^fleet [01]$/) });

      const rerun = await syskit(args(next, out)).done;
      expect({ when, code: rerun.code, stderr: rerun.stderr }).toEqual({ when, code: 0, stderr: '' });
      expect(whichRun(snapshot(out), next)).toBe(`fleet ${next}`);
      expect(snapshot(out)).toEqual(reference[next]);
      expect({ when, leftovers: leftovers(out) }).toEqual({ when, leftovers: [] });
      previous = next;
    }
    // SYSKIT_SHOW_KILLS=1 prints where the kills landed.
    if (process.env.SYSKIT_SHOW_KILLS) console.log(outcomes.join('\n'));
  }, 1_200_000);
});
