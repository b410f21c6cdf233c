import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ResolvedSystem } from '../model';
import { renderOne, type RenderReply, type RenderRequest } from './worker';

export type Rendered = ReturnType<typeof renderOne>;

/** How many systems a worker gets per message: enough to amortise the copy, small enough to balance. */
const BATCH = 8;

/**
 * Below this many workloads (services and jobs) to render, starting workers costs more than it
 * saves. Measured (bench/README.md, "Worker threads"): a worker costs about 380 ms of CPU to start
 * (it loads cdk8s, cdk8s-plus and the constructs and renders cold), a workload about 1.7 ms to
 * render, so on two cores a second thread pays off from about 450 workloads: some ten systems of
 * ten services in four environments, many times the example fleet.
 */
export const PARALLEL_THRESHOLD_WORKLOADS = 450;

/** The size of a render, for deciding whether workers pay off. */
export function workloadsOf(systems: readonly ResolvedSystem[]): number {
  return systems.reduce((n, s) => n + s.services.length + s.jobs.length, 0);
}

/** Compiled, a worker runs worker.js itself; from the sources, worker-entry.js loads it through tsx. */
const WORKER_ENTRY = __filename.endsWith('.js') ? 'worker.js' : 'worker-entry.js';

export function defaultJobs(): number {
  return Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
}

/**
 * Renders systems on `jobs` worker threads, returning results in input order, so the output is
 * byte-identical to a serial run. Each render is independent (one cdk8s App per system and
 * environment), which is what makes the fan-out safe.
 */
export async function renderAll(
  systems: readonly ResolvedSystem[],
  jobs: number,
  onDone?: (n: number) => void,
): Promise<Rendered[]> {
  if (jobs <= 1 || workloadsOf(systems) < PARALLEL_THRESHOLD_WORKLOADS) {
    return systems.map((s, i) => {
      const r = renderOne(s);
      onDone?.(i + 1);
      return r;
    });
  }
  const results: Rendered[] = new Array(systems.length);
  const batches: { id: number; start: number; systems: ResolvedSystem[] }[] = [];
  for (let start = 0; start < systems.length; start += BATCH) {
    batches.push({
      id: batches.length,
      start,
      systems: systems.slice(start, start + BATCH) as ResolvedSystem[],
    });
  }
  const workers = Array.from(
    { length: Math.min(jobs, batches.length) },
    () => new Worker(path.join(__dirname, WORKER_ENTRY)),
  );
  let next = 0;
  let done = 0;
  try {
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            const send = () => {
              if (next >= batches.length) return resolve();
              const batch = batches[next++];
              worker.postMessage({ id: batch.id, systems: batch.systems } satisfies RenderRequest);
            };
            worker.on('message', (reply: RenderReply) => {
              if (reply.error) return reject(new Error(`rendering in a worker failed: ${reply.error}`));
              const batch = batches[reply.id];
              reply.results!.forEach((r, i) => (results[batch.start + i] = r));
              done += reply.results!.length;
              onDone?.(done);
              send();
            });
            worker.on('error', reject);
            worker.on('exit', (code) => {
              if (code !== 0) reject(new Error(`a render worker exited with code ${code}`));
            });
            send();
          }),
      ),
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return results;
}
