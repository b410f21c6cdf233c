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
    out.push({ file: PLATFORM_FILE, hash: inputHash({ platform: env, hostnames }), hostnames });
  }
  for (const system of [...systems].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const resolved = resolve(system, env, fleet);
    out.push({ file: `${system.name}.yaml`, hash: inputHash(resolved), system: resolved });
  }
  return out;
}
