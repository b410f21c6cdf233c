import * as path from 'node:path';
import { UsageError } from '../synth/errors';
import { stateDir } from '../stacks/state-dir';
import { EXIT, type Io } from './io';
import { parse } from './options';

export const CLUSTER_HELP = `Usage: syskit cluster <up|down> [options]

Starts or stops a local Kubernetes control plane built from the pinned
Kubernetes release (etcd, kube-apiserver with Pod Security admission and RBAC,
kube-controller-manager). There is no kubelet: pods stay Pending.

  up     build the binaries if needed (first time: many minutes), start, wait
         until /readyz is ok, print the kubeconfig path
  down   stop every process and remove the control plane's data

Options:
  --dir <path>   where the control plane keeps its data (default: .syskit/cluster)
  -h, --help     show this help`;

export async function clusterCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    dir: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(CLUSTER_HELP);
    return EXIT.ok;
  }
  const { startControlPlane, stopControlPlane } = await import('../scripts/control-plane');
  const dir = path.resolve(values.dir ?? path.join(stateDir(), 'cluster'));
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (action === 'up') {
    const cp = await startControlPlane({ dir, log: (line) => io.err(line) });
    io.out(`control plane ready at ${cp.server}`);
    io.out(`kubeconfig: ${cp.kubeconfig}`);
    return EXIT.ok;
  }
  if (action === 'down') {
    await stopControlPlane(dir);
    io.out(`control plane in ${dir} stopped and removed`);
    return EXIT.ok;
  }
  throw new UsageError(`expected "cluster up" or "cluster down"${action ? `, got "cluster ${action}"` : ''}`);
}
