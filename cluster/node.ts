/**
 * The node: containerd and runc from the distribution's packages, the CNI bridge, host-local,
 * loopback and portmap plugins, and the kubelet built from the same Kubernetes module as the
 * API server. All of it runs inside the node's network namespace; its files (containerd's
 * content and snapshots, the kubelet's pod folders and volume mounts, CNI's address leases)
 * live under `<dir>/node`, and its pods' cgroups under a cgroup root named for this cluster.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { CLUSTER_DOMAIN, DNS_SERVICE_IP, NODE_API_PORT, NODE_IP, NODE_NAME, POD_CIDR } from './addresses';
import { PAUSE_IMAGE, writeImageArchive, type ImageSpec } from './images';
import { run } from './node-network';
import { writeKubeconfig } from './pki';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

/** Where Debian's containernetworking-plugins puts the CNI plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';
const CGROUP_ROOT = '/sys/fs/cgroup';

export interface NodeBinaries {
  readonly kubelet: string;
  readonly containerd: string;
  readonly ctr: string;
}

export function containerdSocket(dir: string): string {
  return path.join(dir, 'node', 'containerd', 'containerd.sock');
}

export function ctrArgs(socket: string, args: string[]): string[] {
  return ['--address', socket, '--namespace', 'k8s.io', ...args];
}

/** containerd with the CRI plugin, runc (cgroupfs), the CNI bridge, and the local pause image. */
export async function startContainerd(run_: ClusterRun, netns: string, bins: NodeBinaries): Promise<string> {
  const root = path.join(run_.dir, 'node', 'containerd');
  const cniConf = path.join(run_.dir, 'node', 'cni', 'net.d');
  fs.mkdirSync(cniConf, { recursive: true });
  const socket = containerdSocket(run_.dir);
  writeCniConfig(cniConf, path.join(run_.dir, 'node', 'cni', 'ipam'));
  const config = `version = 2
root = ${JSON.stringify(path.join(root, 'root'))}
state = ${JSON.stringify(path.join(root, 'state'))}
# Snapshotters and services a node does not use; fewer plugins, fewer warnings.
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = ${JSON.stringify(socket)}

[ttrpc]
  address = ${JSON.stringify(socket + '.ttrpc')}

[plugins."io.containerd.internal.v1.opt"]
  path = ${JSON.stringify(path.join(root, 'opt'))}

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}
  # Streaming (exec, port-forward) listens on the node's loopback inside the namespace.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Lowering a process's OOM score needs CAP_SYS_RESOURCE, which this machine's root may lack
  # (sandboxed CI runners often do); pods then get scores no lower than containerd's own.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = ${JSON.stringify(path.join(root, 'runc'))}
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = ${JSON.stringify(CNI_BIN_DIR)}
    conf_dir = ${JSON.stringify(cniConf)}
`;
  fs.mkdirSync(root, { recursive: true });
  const configFile = path.join(root, 'config.toml');
  fs.writeFileSync(configFile, config);
  run_.start('containerd', bins.containerd, ['--config', configFile, '--log-level', 'warn'], { netns });
  run_.log('cluster: containerd starting');
  await waitUntil('containerd', run_.timeoutMs, run_.processes, async () => {
    await run(bins.ctr, ctrArgs(socket, ['version']));
    return true;
  });
  return socket;
}

/**
 * The pod network: one bridge in the node's namespace, addresses from POD_CIDR. No masquerade:
 * nothing leaves the namespace, so there is nothing to translate for.
 */
function writeCniConfig(confDir: string, ipamDir: string): void {
  const conflist = {
    cniVersion: '0.4.0',
    name: 'syskit',
    plugins: [
      {
        type: 'bridge',
        bridge: 'cni0',
        isGateway: true,
        ipMasq: false,
        // A pod reaching itself through its own Service comes back over the same port.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: POD_CIDR }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: ipamDir,
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  };
  fs.writeFileSync(path.join(confDir, '10-syskit.conflist'), JSON.stringify(conflist, null, 2) + '\n');
}

/** Pack each image and import it into containerd's `k8s.io` namespace. */
export async function importImages(
  run_: ClusterRun,
  ctr: string,
  socket: string,
  images: readonly ImageSpec[],
): Promise<void> {
  const dir = path.join(run_.dir, 'node', 'images');
  for (const image of images) {
    const file = path.join(dir, `${image.ref.replace(/[^a-zA-Z0-9.-]+/g, '_')}.tar`);
    writeImageArchive(image, file);
    await run(ctr, ctrArgs(socket, ['images', 'import', file]));
    run_.log(`cluster: image ${image.ref} imported`);
  }
}

export function cgroupRootName(netns: string): string {
  return `/${netns}`;
}

/** The cgroup v1 hierarchies the kubelet needs its root in. */
function cgroupHierarchies(): string[] {
  try {
    return fs
      .readdirSync(CGROUP_ROOT)
      .filter((d) => d !== 'unified' && fs.existsSync(path.join(CGROUP_ROOT, d, 'cgroup.procs')));
  } catch {
    return [];
  }
}

/** Create the kubelet's cgroup root in every hierarchy (the kubelet refuses a missing one). */
function createCgroupRoot(name: string): void {
  for (const hierarchy of cgroupHierarchies()) {
    const dir = path.join(CGROUP_ROOT, hierarchy, name);
    fs.mkdirSync(dir, { recursive: true });
    if (hierarchy === 'cpuset') {
      // A new cpuset cgroup starts with no CPUs and no memory nodes; inherit the parent's.
      for (const f of ['cpuset.cpus', 'cpuset.mems']) {
        fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(CGROUP_ROOT, hierarchy, f)));
      }
    }
  }
}

/**
 * Kill every process left in the cgroup root and remove its cgroups, deepest first. Containers
 * run in these cgroups, so this stops pods even when containerd is already gone.
 */
export async function removeCgroupRoot(name: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    let remaining = 0;
    for (const hierarchy of cgroupHierarchies()) {
      const base = path.join(CGROUP_ROOT, hierarchy, name);
      if (!fs.existsSync(base)) continue;
      const dirs = walk(base).sort((a, b) => b.length - a.length);
      for (const dir of dirs) {
        for (const pid of readPids(path.join(dir, 'cgroup.procs'))) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
        try {
          fs.rmdirSync(dir);
        } catch {
          remaining++;
        }
      }
    }
    if (remaining === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`could not remove the cgroups under ${name}: processes are still running in them`);
}

function walk(dir: string): string[] {
  const out = [dir];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) out.push(...walk(path.join(dir, entry.name)));
  }
  return out;
}

function readPids(file: string): number[] {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The kubelet, registering NODE_NAME at NODE_IP, talking to the API server through the relay. */
export async function startKubelet(
  run_: ClusterRun,
  netns: string,
  kubelet: string,
  socket: string,
  cgroupRoot: string,
): Promise<void> {
  const nodeDir = path.join(run_.dir, 'node');
  const kubeconfig = path.join(nodeDir, 'kubelet.kubeconfig');
  writeKubeconfig(kubeconfig, `https://${NODE_IP}:${NODE_API_PORT}`, run_.pki, 'kubelet');
  // Pods get the cluster DNS only; the machine's own resolver is never handed to a pod.
  const resolvConf = path.join(nodeDir, 'resolv.conf');
  fs.writeFileSync(resolvConf, '');
  createCgroupRoot(cgroupRoot);
  const config = {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: NODE_IP,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: false },
      x509: { clientCAFile: path.join(run_.pki, 'ca.crt') },
    },
    authorization: { mode: 'AlwaysAllow' },
    // This machine has cgroup v1 (hybrid) and no systemd to delegate to; from 1.35 the kubelet
    // refuses cgroup v1 unless failCgroupV1 is false, so it is said out loud.
    cgroupDriver: 'cgroupfs',
    failCgroupV1: false,
    cgroupRoot,
    cgroupsPerQOS: true,
    failSwapOn: false,
    clusterDNS: [DNS_SERVICE_IP],
    clusterDomain: CLUSTER_DOMAIN,
    resolvConf,
    containerRuntimeEndpoint: `unix://${socket}`,
    podCIDR: POD_CIDR,
    registerNode: true,
    serializeImagePulls: false,
    // A shared build machine's disk and memory are not the node's to guard: evict only when
    // nearly nothing is left, and never collect the locally imported images.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // Probes and status updates quickly, so tests see readiness changes within seconds.
    nodeStatusUpdateFrequency: '4s',
    syncFrequency: '10s',
    rotateCertificates: false,
    serverTLSBootstrap: false,
    shutdownGracePeriod: '0s',
    volumePluginDir: path.join(nodeDir, 'volume-plugins'),
    podLogsDir: path.join(nodeDir, 'pod-logs'),
  };
  const configFile = path.join(nodeDir, 'kubelet.yaml');
  fs.writeFileSync(configFile, stringify(config));
  run_.start(
    'kubelet',
    kubelet,
    [
      `--config=${configFile}`,
      `--kubeconfig=${kubeconfig}`,
      `--root-dir=${path.join(nodeDir, 'kubelet')}`,
      `--cert-dir=${path.join(nodeDir, 'kubelet-pki')}`,
      `--hostname-override=${NODE_NAME}`,
      `--node-ip=${NODE_IP}`,
      '--v=1',
    ],
    { netns },
  );
  run_.log('cluster: kubelet starting');
}

/** Unmount everything the node mounted under `dir` (volumes, container root filesystems), deepest first. */
export async function unmountUnder(dir: string): Promise<void> {
  const prefix = path.resolve(dir) + '/';
  const mountPoints = () =>
    fs
      .readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[4])
      .filter((mp): mp is string => !!mp && (mp + '/').startsWith(prefix))
      .map((mp) => mp.replace(/\\040/g, ' '))
      .sort((a, b) => b.length - a.length);
  for (let attempt = 0; attempt < 5; attempt++) {
    const mounts = mountPoints();
    if (mounts.length === 0) return;
    for (const mp of mounts) await run('umount', ['-l', mp]).catch(() => undefined);
  }
  const left = mountPoints();
  if (left.length > 0) throw new Error(`could not unmount: ${left.join(', ')}`);
}

/**
 * Remove every pod from the node the way Kubernetes does, so the runtime tears down each pod's
 * network (CNI DEL) and its network namespace file, and each shim exits on its own: stop the
 * scheduler first (nothing new lands), then force-delete the node's pods and wait until
 * containerd runs no task. Gives up after `timeoutMs`; the caller then kills what is left.
 */
export async function drainNode(
  kubeconfig: string,
  ctr: string,
  socket: string,
  timeoutMs: number,
): Promise<void> {
  await run('kubectl', [
    '--kubeconfig',
    kubeconfig,
    'delete',
    'pods',
    '--all-namespaces',
    '--field-selector',
    `spec.nodeName=${NODE_NAME}`,
    '--force',
    '--grace-period=0',
    '--wait=false',
  ]).catch(() => undefined);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const tasks = await run(ctr, ctrArgs(socket, ['tasks', 'ls', '-q'])).catch(() => '');
    if (tasks.trim() === '') return;
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * The network namespace files (`/run/netns/cni-*`) of the processes in the cgroup root: the
 * runtime pins each pod's namespace there, and a pod killed without the runtime leaves its file.
 */
export function podNetnsFiles(cgroupRoot: string): string[] {
  const inodes = new Set<number>();
  for (const hierarchy of cgroupHierarchies().slice(0, 1)) {
    const base = path.join(CGROUP_ROOT, hierarchy, cgroupRoot);
    if (!fs.existsSync(base)) continue;
    for (const dir of walk(base)) {
      for (const pid of readPids(path.join(dir, 'cgroup.procs'))) {
        try {
          inodes.add(fs.statSync(`/proc/${pid}/ns/net`).ino);
        } catch {
          /* gone */
        }
      }
    }
  }
  let files: string[] = [];
  try {
    files = fs.readdirSync('/run/netns').filter((f) => f.startsWith('cni-'));
  } catch {
    return [];
  }
  return files
    .map((f) => path.join('/run/netns', f))
    .filter((f) => {
      try {
        return inodes.has(fs.statSync(f).ino);
      } catch {
        return false;
      }
    });
}

/** Every pod network namespace file (`/run/netns/cni-*`) on the machine. */
export function listPodNetnsFiles(): string[] {
  try {
    return fs
      .readdirSync('/run/netns')
      .filter((f) => f.startsWith('cni-'))
      .map((f) => path.join('/run/netns', f))
      .sort();
  } catch {
    return [];
  }
}

/**
 * Pod network namespace files that appeared since `before` and that no process on the machine is
 * in any more: the runtime pinned them for this node's pods, whose processes are gone, so nobody
 * else can be using them.
 */
export function orphanedPodNetnsFiles(before: readonly string[]): string[] {
  const inUse = new Set<number>();
  for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      inUse.add(fs.statSync(`/proc/${pid}/ns/net`).ino);
    } catch {
      /* gone */
    }
  }
  return listPodNetnsFiles().filter((file) => {
    if (before.includes(file)) return false;
    try {
      return !inUse.has(fs.statSync(file).ino);
    } catch {
      return false;
    }
  });
}
