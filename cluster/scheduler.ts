/** kube-scheduler: places pods on the node. */
import * as path from 'node:path';
import { writeKubeconfig } from './pki';
import type { ClusterRun } from './state';

export function startScheduler(run: ClusterRun, bin: string): void {
  const kubeconfig = path.join(run.dir, 'kube-scheduler.kubeconfig');
  writeKubeconfig(kubeconfig, run.state.server, run.pki, 'kube-scheduler');
  run.start('kube-scheduler', bin, [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--leader-elect=false',
    // Its health endpoint on a loopback port of the kernel's choosing; nothing else listens.
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--v=1',
  ]);
  run.log('cluster: kube-scheduler starting');
}
