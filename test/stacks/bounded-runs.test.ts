import { runBounded } from '../../stacks/bounded-runs';
import { prefixLines } from '../../stacks/line-prefix';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('running stacks a few at a time', () => {
  it('never runs more than the limit at once, and keeps the order of the items', async () => {
    let running = 0;
    let most = 0;
    const results = await runBounded([5, 1, 4, 2, 3, 1, 2], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      for (let i = 0; i < n; i++) await tick();
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 10, 20]);
    expect(most).toBe(3);
  });

  it('with a limit of one, runs them one after the other', async () => {
    const order: string[] = [];
    await runBounded(['a', 'b', 'c'], 1, async (x) => {
      order.push(`start ${x}`);
      await tick();
      order.push(`end ${x}`);
    });
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('after a failure starts nothing new, lets the started runs finish, then throws the failure', async () => {
    const finished: number[] = [];
    const started: number[] = [];
    const run = runBounded([0, 1, 2, 3, 4], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 0) throw new Error('stack 0 failed');
      await tick();
      finished.push(n);
    });
    await expect(run).rejects.toThrow('stack 0 failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
  });

  it('refuses a limit that is not a positive whole number', async () => {
    await expect(runBounded([1], 0, async (n) => n)).rejects.toThrow(
      'limit must be a positive integer, got 0',
    );
  });
});

describe("prefixing a stack's progress lines", () => {
  it('passes on whole lines only, each with the prefix, and the rest on flush', () => {
    const out: string[] = [];
    const p = prefixLines('[commerce] ', (t) => out.push(t));
    p.write('Updating (dev.com');
    p.write('merce):\n  + Namespace commerce create\n  + Servi');
    expect(out).toEqual([
      '[commerce] Updating (dev.commerce):\n',
      '[commerce]   + Namespace commerce create\n',
    ]);
    p.write('ce cart create');
    p.flush();
    expect(out[2]).toBe('[commerce]   + Service cart create\n');
    p.flush();
    expect(out).toHaveLength(3);
  });
});
