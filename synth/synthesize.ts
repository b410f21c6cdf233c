import type { Environment, Fleet, ResolvedSystem, System } from '../model';
import { countDocuments, vaultDir, type RenderedFile } from './engine';
import { cacheFile, readCache, verifiedReuse, type OutputWarning, type Reused } from './cache';
import type { FileBody } from './output';
import { defaultJobs, renderAll } from './pool';
import { renderInputs } from './render-inputs';
import { renderPlatform } from './render';

export type { OutputWarning };

export interface SynthesizeOptions {
  /** Worker threads for rendering. @default - one per CPU core */
  readonly jobs?: number;
  /** Output directory whose cache manifests allow skipping unchanged renders. @default - render everything */
  readonly cacheFrom?: string;
  /** Progress: renders done out of those needed. @default - none */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface SynthesizeResult {
  /** Per environment, the platform file (long-lived environments only) then the systems in name order. */
  readonly files: ReadonlyMap<string, RenderedFile[]>;
  readonly rendered: number;
  readonly reused: number;
  /**
   * What the previous output got wrong, each named by its path below the output folder: files
   * changed or deleted outside syskit, a damaged cache. Each was rendered again, not trusted.
   */
  readonly warnings: readonly OutputWarning[];
}

/**
 * Synthesizes the selected systems in the selected environments: resolves each (system,
 * environment), skips those whose input hash matches the previous output's, and renders the
 * rest across worker threads. Output is identical whether rendered serially, in parallel or
 * taken from the previous run.
 */
export async function synthesize(
  fleet: Fleet,
  environments: readonly Environment[],
  systems: readonly System[],
  options: SynthesizeOptions = {},
): Promise<SynthesizeResult> {
  const files = new Map<string, RenderedFile[]>();
  const pending: { env: string; slot: number; resolved: ResolvedSystem; hash: string }[] = [];
  let reused = 0;
  let rendered = 0;
  const warnings: OutputWarning[] = [];

  for (const env of environments) {
    const read = options.cacheFrom ? readCache(options.cacheFrom, env.name) : { kind: 'none' as const };
    if (read.kind === 'damaged') {
      warnings.push({ path: cacheFile(env.name), message: `${read.problem}; rendering ${env.name} again` });
    }
    const previous = read.kind === 'found' ? read.previous : undefined;
    const companions = previous ? companionsByDir(previous.files) : new Map<string, Map<string, FileBody>>();
    // A file is reused when its input hash is the one recorded beside it and every file it
    // wrote still holds what syskit wrote: it is then linked into the new output.
    const reuse = (file: string, hash: string, dir?: string): Reused | undefined => {
      if (!previous) return undefined;
      const found = verifiedReuse(previous, file, hash, dir);
      if (found && 'message' in found) {
        warnings.push({ path: `${env.name}/${found.path}`, message: `${found.message}; rendered again` });
        return undefined;
      }
      return found;
    };
    const out: RenderedFile[] = [];

    for (const input of renderInputs(fleet, env, systems)) {
      const { file, hash } = input;
      if (!('system' in input)) {
        const cached = reuse(file, hash);
        const base = { environment: env.name, file, hash };
        if (cached) {
          reused++;
          out.push(reusedFile(base, cached));
        } else {
          rendered++;
          const content = renderPlatform(env, input.hostnames);
          out.push({ ...base, content, objects: countDocuments(content) });
        }
        continue;
      }
      const system = input.system.name;
      const dir = vaultDir(system);
      const cached = reuse(file, hash, dir);
      if (cached) {
        reused++;
        out.push(
          reusedFile(
            {
              environment: env.name,
              file,
              system,
              hash,
              companions: { dir, files: companions.get(dir) ?? new Map() },
            },
            cached,
          ),
        );
      } else {
        pending.push({ env: env.name, slot: out.length, resolved: input.system, hash });
        out.push(undefined as unknown as RenderedFile);
      }
    }
    files.set(env.name, out);
  }

  const results = await renderAll(
    pending.map((p) => p.resolved),
    options.jobs ?? defaultJobs(),
    options.onProgress ? (done) => options.onProgress!(done, pending.length) : undefined,
  );
  pending.forEach((p, i) => {
    const r = results[i];
    rendered++;
    files.get(p.env)![p.slot] = {
      environment: p.env,
      file: `${p.resolved.name}.yaml`,
      system: p.resolved.name,
      content: r.content,
      objects: countDocuments(r.content),
      hash: p.hash,
      companions: { dir: vaultDir(p.resolved.name), files: new Map(r.vault) },
    };
  });
  return { files, rendered, reused, warnings };
}

/** A file carried over from the previous run: linked when written, its content already read. */
function reusedFile(base: Omit<RenderedFile, 'content' | 'objects'>, cached: Reused): RenderedFile {
  return { ...base, source: cached.source, objects: cached.objects, content: cached.content };
}

/** The previous run's companion files (`vault/<system>/<name>`), grouped by folder in one pass. */
function companionsByDir(files: ReadonlyMap<string, { link: string }>): Map<string, Map<string, FileBody>> {
  const out = new Map<string, Map<string, FileBody>>();
  for (const [name, body] of files) {
    const slash = name.lastIndexOf('/');
    if (slash < 0) continue;
    const dir = name.slice(0, slash);
    let group = out.get(dir);
    if (!group) out.set(dir, (group = new Map()));
    group.set(name.slice(slash + 1), body);
  }
  return out;
}
