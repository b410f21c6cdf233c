/**
 * kube-controller-manager: namespace finalization, garbage collection, workloads, service-account
 * tokens, EndpointSlices.
 */
import * as path from 'node:path';
import { SERVICE_CLUSTER_IP_RANGE } from './addresses';
import { httpsGet } from './http-checks';
import { writeKubeconfig } from './pki';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

export async function startControllers(run: ClusterRun, bin: string): Promise<void> {
  const pki = run.pki;
  const kubeconfig = path.join(run.dir, 'kube-controller-manager.kubeconfig');
  writeKubeconfig(kubeconfig, run.state.server, pki, 'kube-controller-manager');
  run.start('kube-controller-manager', bin, [
    `--kubeconfig=${kubeconfig}`,
    // No HTTPS endpoint of its own: nothing scrapes it, and it needs no port then.
    '--secure-port=0',
    '--leader-elect=false',
    '--use-service-account-credentials=true',
    `--service-account-private-key-file=${path.join(pki, 'sa.key')}`,
    `--root-ca-file=${path.join(pki, 'ca.crt')}`,
    `--cluster-signing-cert-file=${path.join(pki, 'ca.crt')}`,
    `--cluster-signing-key-file=${path.join(pki, 'ca.key')}`,
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    '--cluster-name=syskit-local',
    // Keep it out of /usr/libexec (it creates the folder when missing).
    `--flex-volume-plugin-dir=${path.join(run.dir, 'flexvolume')}`,
    // Every default controller (namespace, garbage collector, service accounts, workloads,
    // quotas, ...) except those that need a cloud or allocate node CIDRs (the node's pod
    // range is fixed in its CNI configuration).
    '--controllers=*,-node-ipam-controller,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller',
    '--v=1',
  ]);
  run.log('cluster: kube-controller-manager starting');
  // The service-account controller creating `default/default` proves the controller manager
  // is up and talking to the API server (and Pods can be created in new namespaces).
  const tls = run.adminTls();
  await waitUntil(
    'kube-controller-manager (ServiceAccount default/default)',
    run.timeoutMs,
    run.processes,
    async () => {
      const res = await httpsGet(
        `${run.state.server}/api/v1/namespaces/default/serviceaccounts/default`,
        tls,
      );
      return res.status === 200 || `HTTP ${res.status}`;
    },
  );
}
