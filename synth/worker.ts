import { parentPort } from 'node:worker_threads';
import { renderVaultFiles } from '../constructs/vault-files';
import type { ResolvedSystem } from '../model';
import { renderSystem } from './render';

/** One batch of systems to render, and what comes back for each. */
export interface RenderRequest {
  readonly id: number;
  readonly systems: readonly ResolvedSystem[];
}

export interface RenderReply {
  readonly id: number;
  readonly results?: readonly { readonly content: string; readonly vault: [string, string][] }[];
  readonly error?: string;
}

/** Renders one resolved system: the manifests and the Vault files reviewed beside them. */
export function renderOne(system: ResolvedSystem): { content: string; vault: [string, string][] } {
  return { content: renderSystem(system), vault: [...renderVaultFiles(system)] };
}

parentPort?.on('message', (request: RenderRequest) => {
  try {
    const reply: RenderReply = { id: request.id, results: request.systems.map(renderOne) };
    parentPort!.postMessage(reply);
  } catch (error) {
    parentPort!.postMessage({
      id: request.id,
      error: (error as Error).stack ?? String(error),
    } satisfies RenderReply);
  }
});
