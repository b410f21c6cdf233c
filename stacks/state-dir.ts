import * as path from 'node:path';
import { PROJECT_ROOT } from '../synth/load';

/**
 * Where syskit keeps local state: the Pulumi file backend, Pulumi's home, the control plane.
 * Apart from the Automation API code so that `syskit cluster` finds it without loading Pulumi.
 */
export function stateDir(): string {
  return process.env.SYSKIT_STATE_DIR ?? path.join(PROJECT_ROOT, '.syskit');
}
