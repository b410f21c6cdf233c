import {
  fleetHostnames,
  resolve,
  type Environment,
  type Fleet,
  type ResolvedSystem,
  type System,
} from '../model';
import { inputHash } from './fingerprint';

/** The file holding an environment's cluster-wide objects, beside the systems' files. */
export const PLATFORM_FILE = 'platform.yaml';

/**
 * One file of an environment before it is rendered: what it is rendered from, and the hash of
 * those inputs and the toolkit that the cache records beside the written file.
 */
export type RenderInput =
  | { readonly file: string; readonly hash: string; readonly hostnames: readonly string[] }
  | { readonly file: string; readonly hash: string; readonly system: ResolvedSystem };

/**
 * The files of the platform (long-lived environments only: an ephemeral one lives on its base's
 * platform) and of the selected systems in one environment, in the order they are written. Needs
 * no cdk8s: what is unchanged since the last synth can be found without loading the renderer.
 */
export function renderInputs(fleet: Fleet, env: Environment, systems: readonly System[]): RenderInput[] {
  const out: RenderInput[] = [];
  if (!env.ephemeral) {
    const hostnames = fleetHostnames(fleet.systems, env);
    out.push(withHash({ file: PLATFORM_FILE, hostnames }, () => ({ platform: env, hostnames })));
  }
  for (const system of [...systems].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const resolved = resolve(system, env, fleet);
    out.push(withHash({ file: `${system.name}.yaml`, system: resolved }, () => resolved));
  }
  return out;
}

/**
 * The input with its hash, computed when first read: a caller that renders everything never
 * reads it, and the first hash reads every source of the toolkit (synth/fingerprint.ts).
 */
function withHash<T extends object>(input: T, inputs: () => unknown): T & { readonly hash: string } {
  let hash: string | undefined;
  return Object.defineProperty(input, 'hash', {
    get: () => (hash ??= inputHash(inputs())),
    enumerable: true,
  }) as T & { readonly hash: string };
}
