/**
 * etcd 3.6, built from its Go module: a throwaway single-member store on loopback ports.
 */
import * as path from 'node:path';
import { httpGet } from './http-checks';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

export async function startEtcd(
  run: ClusterRun,
  bin: string,
  clientPort: number,
  peerPort: number,
): Promise<void> {
  const url = run.state.etcd;
  const peer = `http://127.0.0.1:${peerPort}`;
  run.start('etcd', bin, [
    '--name=syskit',
    `--data-dir=${path.join(run.dir, 'etcd')}`,
    `--listen-client-urls=${url}`,
    `--advertise-client-urls=${url}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=syskit=${peer}`,
    '--initial-cluster-state=new',
    // A throwaway single-member store: durability across power loss is not worth the fsync cost.
    '--unsafe-no-fsync=true',
    '--log-level=warn',
  ]);
  run.log(`cluster: etcd starting on ${url} (client port ${clientPort})`);
  await waitUntil('etcd /health', run.timeoutMs, run.processes, async () => {
    const res = await httpGet(`${url}/health`);
    return res.body.includes('"health":"true"') || `HTTP ${res.status}: ${res.body.trim()}`;
  });
}
