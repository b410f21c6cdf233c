import {
  fleetHostnames,
  resolve,
  type Environment,
  type Fleet,
  type ResolvedSystem,
  type System,
} from '../model';
import { countDocuments, PLATFORM_FILE, vaultDir, type RenderedFile } from './engine';
import { readCache } from './cache';
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
    const reuse = (file: string, hash: string) =>
      previous?.manifest.files[file] === hash && previous.files.has(file) ? previous.files : undefined;
    const out: RenderedFile[] = [];

    if (!env.ephemeral) {
      const hostnames = fleetHostnames(fleet.systems, env);
      const hash = inputHash({ platform: env, hostnames });
      const cached = reuse(PLATFORM_FILE, hash);
      const content = cached ? cached.get(PLATFORM_FILE)! : renderPlatform(env, hostnames);
      if (cached) reused++;
      else rendered++;
      out.push({
        environment: env.name,
        file: PLATFORM_FILE,
        content,
        objects: countDocuments(content),
        hash,
      });
    }

    for (const system of ordered) {
      const resolved = resolve(system, env, fleet);
      const hash = inputHash(resolved);
      const file = `${system.name}.yaml`;
      const cached = reuse(file, hash);
      if (cached) {
        reused++;
        const content = cached.get(file)!;
        out.push({
          environment: env.name,
          file,
          system: system.name,
          content,
          objects: countDocuments(content),
          hash,
          companions: companionsFrom(cached, system.name),
        });
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

function companionsFrom(files: ReadonlyMap<string, string>, system: string): RenderedFile['companions'] {
  const prefix = `${vaultDir(system)}/`;
  const out = new Map<string, string>();
  for (const [name, content] of files)
    if (name.startsWith(prefix)) out.set(name.slice(prefix.length), content);
  return { dir: vaultDir(system), files: out };
}
