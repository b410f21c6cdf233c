import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  resolve,
  fleetHostnames,
  type Environment,
  type Fleet,
  type ResolvedSystem,
  type System,
} from '../model';
import { renderVaultFiles } from '../constructs/vault-files';
import { renderPlatformObjects, renderSystemObjects } from './render';
import { toYaml } from './yaml-writer';
import { listTree, OutputFolder, type FileBody, type LockOptions } from './output';
import { cacheFile, cacheManifest, previousManifest } from './cache';

import { UsageError } from './errors';
import { PLATFORM_FILE } from './render-inputs';
import { plan, type Selection } from './plan';

export { UsageError, plan, PLATFORM_FILE, type Selection };

/** One rendered file of one environment. */
export interface RenderedFile {
  readonly environment: string;
  readonly file: string;
  readonly system?: string;
  readonly content: string;
  readonly objects: number;
  /**
   * Files that are not manifests but are reviewed beside them (a system's Vault policies and
   * roles), written to `<dir>/<name>` in the environment's folder. The folder belongs to this
   * file alone: rewriting the file replaces everything in it. Validation reads only `content`.
   * @default - none
   */
  readonly companions?: { readonly dir: string; readonly files: ReadonlyMap<string, FileBody> };
  /** Hash of the inputs this file was rendered from (see synth/fingerprint.ts). @default - not cached */
  readonly hash?: string;
  /**
   * The previous run's identical file, when this one was not rendered again; it is linked, not
   * rewritten, and `content` reads it only if asked. @default - freshly rendered
   */
  readonly source?: string;
}

/** Where a system's Vault files go in its environment's folder. */
export function vaultDir(system: string): string {
  return `vault/${system}`;
}

export interface EnvironmentSummary {
  readonly environment: string;
  readonly systems: number;
  readonly objects: number;
}

/** One file of an environment as objects, before it is written as YAML. */
export interface EnvironmentDocuments {
  readonly file: string;
  readonly system?: ResolvedSystem;
  readonly documents: Record<string, unknown>[];
}

/**
 * The objects of the platform and the selected systems in one environment, file by file in name
 * order: what `renderEnvironment` writes, for callers that check the objects themselves
 * (`syskit validate`) and need no YAML round trip.
 */
export function renderEnvironmentDocuments(
  fleet: Fleet,
  environment: Environment,
  systems: readonly System[],
): EnvironmentDocuments[] {
  const out: EnvironmentDocuments[] = [];
  // An ephemeral environment lives on its base's platform (gateway, mesh, policies).
  if (!environment.ephemeral) {
    const hostnames = fleetHostnames(fleet.systems, environment);
    out.push({ file: PLATFORM_FILE, documents: renderPlatformObjects(environment, hostnames) });
  }
  for (const system of [...systems].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const resolved = resolve(system, environment, fleet);
    out.push({ file: `${system.name}.yaml`, system: resolved, documents: renderSystemObjects(resolved) });
  }
  return out;
}

/** Renders the platform and the selected systems in one environment, in name order. */
export function renderEnvironment(
  fleet: Fleet,
  environment: Environment,
  systems: readonly System[],
): RenderedFile[] {
  return renderEnvironmentDocuments(fleet, environment, systems).map(({ file, system, documents }) => ({
    environment: environment.name,
    file,
    content: toYaml(documents),
    objects: documents.length,
    ...(system && {
      system: system.name,
      companions: { dir: vaultDir(system.name), files: renderVaultFiles(system) },
    }),
  }));
}

export function countDocuments(yaml: string): number {
  if (yaml.trim() === '') return 0;
  let count = 1;
  for (let i = yaml.indexOf('\n---\n'); i >= 0; i = yaml.indexOf('\n---\n', i + 1)) count++;
  return count;
}

export interface WriteOptions extends LockOptions {
  /**
   * Only some systems were rendered: keep the other systems' files of each written environment
   * as the previous run left them. @default false
   */
  readonly partial?: boolean;
  /**
   * Keep the previous run's environments that this run did not write (a run limited with
   * `--env`); otherwise the output holds exactly this run's environments. @default true
   */
  readonly keepOtherEnvironments?: boolean;
}

/**
 * Writes one run's environments into the output folder as one step: locks it, builds the whole
 * new output aside (files kept from the previous run are hard-linked, not copied) and swaps it
 * in, so readers and a killed run see the previous output or this one, never a mix.
 */
export function writeOutput(
  outDir: string,
  files: ReadonlyMap<string, readonly RenderedFile[]>,
  options: WriteOptions = {},
): void {
  const folder = OutputFolder.open(outDir, options);
  try {
    writeRun(folder, files, options);
  } finally {
    folder.release();
  }
}

/** Writes one environment, keeping the others as they were (see `writeOutput`). */
export function writeEnvironment(
  outDir: string,
  environment: string,
  files: readonly RenderedFile[],
  partial: boolean,
): void {
  writeOutput(outDir, new Map([[environment, files]]), { partial });
}

/** Commits one run's environments to an output folder this process has open (and locked). */
export function writeRun(
  folder: OutputFolder,
  files: ReadonlyMap<string, readonly RenderedFile[]>,
  options: Pick<WriteOptions, 'partial' | 'keepOtherEnvironments'> = {},
): void {
  const current = folder.current;
  const tree = new Map<string, FileBody>();
  for (const [environment, list] of files) {
    const contents = environmentContents(current, environment, list, options.partial ?? false);
    for (const [name, body] of contents) tree.set(`${environment}/${name}`, body);
    if (list.some((f) => f.hash)) {
      tree.set(cacheFile(environment), cacheManifest(contents, list, previousManifest(current, environment)));
    }
  }
  if (current && (options.keepOtherEnvironments ?? true)) {
    for (const environment of environmentsIn(current)) {
      if (files.has(environment)) continue;
      for (const [name, body] of listTree(path.join(current, environment))) {
        tree.set(`${environment}/${name}`, body);
      }
      const cache = path.join(current, cacheFile(environment));
      if (fs.existsSync(cache)) tree.set(cacheFile(environment), { link: cache });
    }
  }
  folder.commit(new Map([...tree.entries()].sort(([a], [b]) => (a < b ? -1 : 1))));
}

/** An environment's files: this run's, plus (for a partial run) the other systems' from before. */
function environmentContents(
  current: string | undefined,
  environment: string,
  files: readonly RenderedFile[],
  partial: boolean,
): Map<string, FileBody> {
  const contents: Map<string, FileBody> =
    partial && current ? listTree(path.join(current, environment)) : new Map();
  for (const f of files) {
    contents.set(f.file, f.source ? { link: f.source } : f.content);
    if (!f.companions) continue;
    const prefix = `${f.companions.dir}/`;
    for (const name of [...contents.keys()]) if (name.startsWith(prefix)) contents.delete(name);
    for (const [name, content] of f.companions.files) contents.set(`${prefix}${name}`, content);
  }
  return contents;
}

/** The environments in an output folder: its folders that are not syskit's bookkeeping. */
function environmentsIn(root: string): string[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}
