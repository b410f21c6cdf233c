/**
 * kube-apiserver on the host's loopback, with the default admission plugins (Pod Security among
 * them), RBAC and the Node authorizer.
 */
import * as path from 'node:path';
import { SERVICE_ACCOUNT_ISSUER, SERVICE_CLUSTER_IP_RANGE } from './addresses';
import { httpsGet } from './http-checks';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

export async function startApiServer(run: ClusterRun, bin: string, port: number): Promise<void> {
  const pki = run.pki;
  run.start('kube-apiserver', bin, [
    `--etcd-servers=${run.state.etcd}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--cert-dir=${pki}`,
    `--tls-cert-file=${path.join(pki, 'apiserver.crt')}`,
    `--tls-private-key-file=${path.join(pki, 'apiserver.key')}`,
    `--client-ca-file=${path.join(pki, 'ca.crt')}`,
    '--authorization-mode=Node,RBAC',
    // Privileged containers are allowed by the API server itself, so that Pod Security
    // admission (enabled by default, like every other default admission plugin) decides.
    '--allow-privileged=true',
    `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
    `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
    `--service-account-key-file=${path.join(pki, 'sa.pub')}`,
    `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
    // The API server's own address (loopback) is no endpoint pods could reach; with a node,
    // cluster/node-network.ts points the `kubernetes` Service at the relay on the node instead.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--v=1',
  ]);
  run.log(`cluster: kube-apiserver starting on ${run.state.server}`);
  const tls = run.adminTls();
  await waitUntil('kube-apiserver /readyz', run.timeoutMs, run.processes, async () => {
    const res = await httpsGet(`${run.state.server}/readyz?verbose`, tls);
    if (res.status === 200) return true;
    const failing = res.body.split('\n').filter((l) => l.startsWith('[-]'));
    return `HTTP ${res.status}: ${failing.join('; ') || res.body.trim()}`;
  });
}
