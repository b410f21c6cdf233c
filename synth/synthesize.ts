import {
  fleetHostnames,
  resolve,
  type Environment,
  type Fleet,
  type ResolvedSystem,
  type System,
} from '../model';
import { countDocuments, PLATFORM_FILE, vaultDir, type RenderedFile } from './engine';
import * as fs from 'node:fs';
import { readCache } from './cache';
import type { FileBody } from './output';
import { inputHash } from './fingerprint';
import { defaultJobs, renderAll } from './pool';
import { renderPlatform } from './render';

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
  const ordered = [...systems].sort((a, b) => (a.name < b.name ? -1 : 1));
  const files = new Map<string, RenderedFile[]>();
  const pending: { env: string; slot: number; resolved: ResolvedSystem; hash: string }[] = [];
  let reused = 0;
  let rendered = 0;

  for (const env of environments) {
    const previous = options.cacheFrom ? readCache(options.cacheFrom, env.name) : undefined;
    const companions = previous ? companionsByDir(previous.files) : new Map<string, Map<string, FileBody>>();
    // A file is reused when its input hash is the one recorded beside it: it is linked into the
    // new output, and read only if someone asks for its content.
    const reuse = (file: string, hash: string): { source: string; objects: number } | undefined => {
      const link = previous?.files.get(file);
      const objects = previous?.manifest.objects?.[file];
      return link && objects !== undefined && previous!.manifest.files[file] === hash
        ? { source: link.link, objects }
        : undefined;
    };
    const out: RenderedFile[] = [];

    if (!env.ephemeral) {
      const hostnames = fleetHostnames(fleet.systems, env);
      const hash = inputHash({ platform: env, hostnames });
      const cached = reuse(PLATFORM_FILE, hash);
      const base = { environment: env.name, file: PLATFORM_FILE, hash };
      if (cached) {
        reused++;
        out.push(reusedFile(base, cached));
      } else {
        rendered++;
        const content = renderPlatform(env, hostnames);
        out.push({ ...base, content, objects: countDocuments(content) });
      }
    }

    for (const system of ordered) {
      const resolved = resolve(system, env, fleet);
      const hash = inputHash(resolved);
      const file = `${system.name}.yaml`;
      const cached = reuse(file, hash);
      if (cached) {
        reused++;
        const dir = vaultDir(system.name);
        out.push(
          reusedFile(
            {
              environment: env.name,
              file,
              system: system.name,
              hash,
              companions: { dir, files: companions.get(dir) ?? new Map() },
            },
            cached,
          ),
        );
      } else {
        pending.push({ env: env.name, slot: out.length, resolved, hash });
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
  return { files, rendered, reused };
}

/** A file carried over from the previous run: linked when written, read only when asked. */
function reusedFile(
  base: Omit<RenderedFile, 'content' | 'objects'>,
  cached: { source: string; objects: number },
): RenderedFile {
  let content: string | undefined;
  return {
    ...base,
    source: cached.source,
    objects: cached.objects,
    get content() {
      return (content ??= fs.readFileSync(cached.source, 'utf8'));
    },
  };
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
