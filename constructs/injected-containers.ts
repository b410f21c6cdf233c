import type { Resources } from '../model';

/**
 * A container that an admission webhook adds to a pod, as the namespace's quota must count it.
 *
 * `runsAlongside` containers (the mesh proxy, as a regular container or as a native sidecar, and
 * Vault Agent's sidecar) add to the application's size for the pod's whole life; `init`
 * containers run to completion before the application starts, so a pod reserves the larger of
 * them and its running containers, never both (Kubernetes' effective pod request).
 */
export interface InjectedContainer {
  readonly name: string;
  readonly runs: 'alongside' | 'init';
  readonly resources: Resources;
  /**
   * For init containers: whether they run while the injected sidecars (the mesh proxy as a
   * native sidecar) already run beside them, so the pod holds both at once.
   * @default false
   */
  readonly besideSidecars?: boolean;
}
