import * as path from 'node:path';
import { startCluster, stopCluster } from '../cluster';
import { stateDir } from '../stacks/automation';
import { UsageError } from '../synth/engine';
import { EXIT, type Io } from './io';
import { parse } from './options';

export const CLUSTER_HELP = `Usage: syskit cluster <up|down> [options]

Starts or stops a local Kubernetes cluster built from the pinned Kubernetes
release: etcd, kube-apiserver (Pod Security admission, RBAC),
kube-controller-manager, and with --node one node as well.

The node lives in a network namespace of its own: kubelet, kube-proxy and
kube-scheduler from the same Kubernetes release, containerd, runc and the CNI
plugins from Debian's packages, CoreDNS and kube-network-policies as pods from
locally built images. Needs root.

  up     build the binaries if needed (first time: many minutes), start, wait
         until everything is ready, print the kubeconfig path
  down   stop every process and remove the cluster's data, and with a node its
         mounts, cgroups and network namespace (with its interfaces and rules)

Options:
  --dir <path>   where the cluster keeps its data (default: .syskit/cluster)
  --node         also start the node, so pods run (up only)
  -h, --help     show this help`;

export async function clusterCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      dir: { type: 'string' },
      node: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (values.help) {
    io.out(CLUSTER_HELP);
    return EXIT.ok;
  }
  const dir = path.resolve(values.dir ?? path.join(stateDir(), 'cluster'));
  const [action] = positionals;
  if (action === 'up') {
    const cluster = await startCluster({ dir, node: values.node === true, log: (line) => io.err(line) });
    io.out(`cluster ready at ${cluster.server}`);
    if (cluster.netns) io.out(`node: network namespace ${cluster.netns}`);
    io.out(`kubeconfig: ${cluster.kubeconfig}`);
    return EXIT.ok;
  }
  if (action === 'down') {
    if (values.node)
      throw new UsageError('--node is for "cluster up"; "cluster down" always removes the node');
    await stopCluster(dir);
    io.out(`cluster in ${dir} stopped and removed`);
    return EXIT.ok;
  }
  throw new UsageError(`expected "cluster up" or "cluster down"${action ? `, got "cluster ${action}"` : ''}`);
}
