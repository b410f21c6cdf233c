import * as fs from 'node:fs';
import { loadAll } from 'js-yaml';
import type { Environment, Fleet, System } from '../model';
import {
  cacheFile,
  readCache,
  verifiedReuse,
  type CacheRead,
  type OutputWarning,
  type PreviousOutput,
} from './cache';
import { renderInputs, type RenderInput } from './render-inputs';

/** One file of an environment as objects: what synth writes there, read back or rendered now. */
export interface FileObjects {
  readonly file: string;
  /** @default - the platform file */
  readonly system?: string;
  readonly documents: Record<string, unknown>[];
  /** Read from synth's output (unchanged since then), or rendered by this run. */
  readonly from: 'output' | 'render';
}

export interface FleetObjects {
  /** Per environment, in the order given: the platform file, then the systems in name order. */
  readonly environments: ReadonlyMap<string, readonly FileObjects[]>;
  /** Files of the output that were not trusted, each named by its path below the output folder. */
  readonly warnings: readonly OutputWarning[];
}

export interface FleetObjectsOptions {
  /**
   * Synth's output folder (`dist`, a link to its current generation): a file there is read
   * instead of rendered when its cache says it was rendered from the same inputs by the same
   * toolkit and it still holds what synth wrote. @default - render everything
   */
  readonly output?: string;
}

/**
 * The objects `syskit synth` writes for the selected systems in the selected environments, for
 * callers that check them (`syskit validate`). What synth's output already holds is read back
 * (the YAML writer's output reads back to exactly the rendered objects,
 * test/synth/yaml-writer.test.ts); anything else (missing, stale, edited, from another toolkit,
 * unreadable) is rendered, and the renderer, with cdk8s, is loaded only then.
 */
export async function fleetObjects(
  fleet: Fleet,
  environments: readonly Environment[],
  systems: readonly System[],
  options: FleetObjectsOptions = {},
): Promise<FleetObjects> {
  // Resolved once: every file comes from the generation the link points to now, even when a
  // synth swaps in a new one meanwhile (it removes the old one afterwards: a file gone by then
  // is rendered instead).
  const root = options.output === undefined ? undefined : currentGeneration(options.output);
  const warnings: OutputWarning[] = [];
  const read = new Map<string, Array<{ input: RenderInput; documents?: Record<string, unknown>[] }>>();
  for (const env of environments) {
    const cache = root === undefined ? ({ kind: 'none' } as const) : previousOutput(root, env.name);
    if (cache.kind === 'damaged') {
      warnings.push({ path: cacheFile(env.name), message: `${cache.problem}; rendering ${env.name}` });
    }
    const previous = cache.kind === 'found' ? cache.previous : undefined;
    read.set(
      env.name,
      renderInputs(fleet, env, systems).map((input) => {
        if (!previous) return { input };
        const found = readVerified(previous, input);
        if (found && 'message' in found) {
          warnings.push({ path: `${env.name}/${found.path}`, message: `${found.message}; rendered instead` });
          return { input };
        }
        return { input, documents: found };
      }),
    );
  }
  const needsRender = [...read.values()].some((files) => files.some((f) => !f.documents));
  const render = needsRender ? await import('./render') : undefined;
  const out = new Map<string, FileObjects[]>();
  for (const env of environments) {
    out.set(
      env.name,
      read.get(env.name)!.map(({ input, documents }) => {
        const system = 'system' in input ? input.system : undefined;
        const base = { file: input.file, ...(system && { system: system.name }) };
        if (documents) return { ...base, documents, from: 'output' as const };
        const rendered = system
          ? render!.renderSystemObjects(system)
          : render!.renderPlatformObjects(env, 'hostnames' in input ? input.hostnames : []);
        return { ...base, documents: rendered, from: 'render' as const };
      }),
    );
  }
  return { environments: out, warnings };
}

function currentGeneration(output: string): string | undefined {
  try {
    return fs.realpathSync(output);
  } catch {
    return undefined;
  }
}

/** The environment's previous output, if there is one that can be read. */
function previousOutput(root: string, env: string): CacheRead {
  try {
    return readCache(root, env);
  } catch {
    // The generation was removed while being listed: render.
    return { kind: 'none' };
  }
}

/** The file's objects when synth's output holds it as this run would render it. */
function readVerified(
  previous: PreviousOutput,
  input: RenderInput,
): Record<string, unknown>[] | OutputWarning | undefined {
  let found;
  try {
    found = verifiedReuse(previous, input.file, input.hash);
  } catch {
    // Removed with its generation after a newer synth: render.
    return undefined;
  }
  if (!found || 'message' in found) return found;
  return loadAll(found.content) as Record<string, unknown>[];
}
