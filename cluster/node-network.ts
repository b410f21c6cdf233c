/**
 * The node's network namespace. The kubelet, containerd, kube-proxy and kube-network-policies
 * run inside it, and so do all pods (behind the CNI bridge), so pod and Service traffic, the
 * iptables/nftables rules that steer it and every interface the node adds stay out of the
 * machine's own network. Removing the namespace removes all of them at once.
 *
 * The API server stays on the host's loopback. A relay pair joins the two: one end listens on
 * `<NODE_IP>:6443` (and loopback) inside the namespace, the other connects to the API server
 * on the host, and they meet on a unix socket in the cluster's directory (a file, so it crosses
 * network namespaces). No address outside loopback and the namespace is ever used.
 */
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NODE_API_PORT, NODE_IP, SERVICE_CLUSTER_IP_RANGE } from './addresses';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

export function run(command: string, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** One namespace per cluster directory, so two clusters never share one. */
export function netnsName(dir: string): string {
  return `syskit-${createHash('sha256').update(path.resolve(dir)).digest('hex').slice(0, 10)}`;
}

export function netnsExists(name: string): boolean {
  return fs.existsSync(`/run/netns/${name}`);
}

/** Create the namespace with loopback, the node's address and the kernel settings a node needs. */
export async function createNodeNetwork(name: string): Promise<void> {
  if (netnsExists(name)) {
    throw new Error(
      `network namespace ${name} already exists (left by an earlier cluster?); run "syskit cluster down"`,
    );
  }
  await run('ip', ['netns', 'add', name]);
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  // The node's address sits on the namespace's loopback: local to the node, reachable from pods
  // through the bridge, and needing no interface type the kernel may lack (dummy is a module).
  await run('ip', ['-n', name, 'addr', 'add', `${NODE_IP}/32`, 'dev', 'lo']);
  // The node's own processes (host-network pods among them) reach Services too: their packets
  // need a route before kube-proxy's OUTPUT rules rewrite the ClusterIP to an endpoint.
  await run('ip', ['-n', name, 'route', 'add', SERVICE_CLUSTER_IP_RANGE, 'dev', 'lo']);
  // Per-namespace settings: forwarding between pods, Service DNAT for pod-to-pod traffic on the
  // bridge, and NodePort-style localhost routing kube-proxy expects.
  await run('ip', [
    'netns',
    'exec',
    name,
    'sysctl',
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
    'net.bridge.bridge-nf-call-iptables=1',
    'net.ipv4.conf.all.route_localnet=1',
  ]);
}

export async function deleteNodeNetwork(name: string): Promise<void> {
  if (netnsExists(name)) await run('ip', ['netns', 'del', name]);
}

/**
 * A byte-for-byte TCP/unix relay: `node -e RELAY_SCRIPT <listen> <connect>`, each side
 * `tcp:<host>:<port>` or `unix:<path>`.
 */
const RELAY_SCRIPT = `
const net = require('net');
const [listen, connect] = process.argv.slice(1);
const address = (s) => s.startsWith('unix:') ? { path: s.slice(5) }
  : { host: s.slice(4, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) };
const target = address(connect);
const server = net.createServer((client) => {
  const upstream = net.connect(target);
  client.pipe(upstream).pipe(client);
  const close = () => { client.destroy(); upstream.destroy(); };
  client.on('error', close); upstream.on('error', close);
});
const where = address(listen);
if (where.path) { try { require('fs').unlinkSync(where.path); } catch {} }
server.listen(where.path ? where.path : { host: where.host, port: where.port });
process.on('SIGTERM', () => process.exit(0));
`;

/** Start the relay pair and wait until the API server answers through it from inside the namespace. */
export async function startApiRelay(runCtx: ClusterRun, netns: string, apiPort: number): Promise<void> {
  const socket = path.join(runCtx.dir, 'api.sock');
  runCtx.start('api-relay-host', process.execPath, [
    '-e',
    RELAY_SCRIPT,
    `unix:${socket}`,
    `tcp:127.0.0.1:${apiPort}`,
  ]);
  runCtx.start(
    'api-relay-node',
    process.execPath,
    ['-e', RELAY_SCRIPT, `tcp:0.0.0.0:${NODE_API_PORT}`, `unix:${socket}`],
    { netns },
  );
  const ca = path.join(runCtx.pki, 'ca.crt');
  const cert = path.join(runCtx.pki, 'admin.crt');
  const key = path.join(runCtx.pki, 'admin.key');
  await waitUntil(
    `the API server through the relay at ${NODE_IP}:${NODE_API_PORT}`,
    runCtx.timeoutMs,
    runCtx.processes,
    async () => {
      // A client inside the namespace (this same Node.js), as the kubelet will be.
      const out = await run('ip', [
        'netns',
        'exec',
        netns,
        process.execPath,
        '-e',
        `require('https').get({host:'${NODE_IP}',port:${NODE_API_PORT},path:'/readyz',ca:require('fs').readFileSync('${ca}'),cert:require('fs').readFileSync('${cert}'),key:require('fs').readFileSync('${key}'),timeout:3000},(r)=>{console.log(r.statusCode);process.exit(0)}).on('error',(e)=>{console.log(e.message);process.exit(0)})`,
      ]);
      return out.trim() === '200' || out.trim();
    },
  );
}

/**
 * The `kubernetes` Service's endpoint: the relay on the node. The API server's own reconciler
 * is off (its loopback address means nothing to a pod), so the cluster writes it once.
 */
export function apiEndpointObjects(): object[] {
  const port = { name: 'https', port: NODE_API_PORT, protocol: 'TCP' };
  return [
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        // The EndpointSlice below is written directly; do not mirror this one into a second.
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [{ addresses: [{ ip: NODE_IP }], ports: [port] }],
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: {
          'kubernetes.io/service-name': 'kubernetes',
          'endpointslice.kubernetes.io/managed-by': 'syskit-cluster',
        },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [NODE_IP], conditions: { ready: true } }],
      ports: [port],
    },
  ];
}
