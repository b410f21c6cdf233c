/**
 * kube-proxy in iptables mode, inside the node's namespace: Service ClusterIPs become DNAT rules
 * there, for pods and for the node's own processes (the in-cluster API address included).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { NODE_API_PORT, NODE_IP, NODE_NAME, POD_CIDR } from './addresses';
import { writeKubeconfig } from './pki';
import type { ClusterRun } from './state';

export function startServiceProxy(run: ClusterRun, netns: string, bin: string): void {
  const dir = path.join(run.dir, 'node');
  const kubeconfig = path.join(dir, 'kube-proxy.kubeconfig');
  writeKubeconfig(kubeconfig, `https://${NODE_IP}:${NODE_API_PORT}`, run.pki, 'kube-proxy');
  const config = {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    clientConnection: { kubeconfig },
    mode: 'iptables',
    clusterCIDR: POD_CIDR,
    hostnameOverride: NODE_NAME,
    bindAddress: NODE_IP,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    nodePortAddresses: [`${NODE_IP}/32`],
    // The conntrack table size and timeouts are the machine's, not the namespace's: leave them.
    conntrack: {
      maxPerCore: 0,
      min: 0,
      tcpEstablishedTimeout: '0s',
      tcpCloseWaitTimeout: '0s',
    },
    iptables: { syncPeriod: '10s', minSyncPeriod: '0s' },
  };
  const configFile = path.join(dir, 'kube-proxy.yaml');
  fs.writeFileSync(configFile, stringify(config));
  run.start('kube-proxy', bin, [`--config=${configFile}`, '--v=1'], { netns });
  run.log('cluster: kube-proxy starting');
}
