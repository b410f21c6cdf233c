/**
 * A real, local Kubernetes cluster from real parts, each component in its own file:
 *
 * - control plane (host loopback): etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
 *   built from their Go modules by scripts/tools.sh;
 * - with `node: true`, one node in a network namespace of its own: containerd, runc and the CNI
 *   plugins from the distribution, the kubelet and kube-proxy from the same Kubernetes module,
 *   CoreDNS and kube-network-policies as pods from locally built images.
 *
 *   const cluster = await startCluster({ node: true });   // builds the binaries the first time
 *   // ... kubectl --kubeconfig cluster.kubeconfig ...
 *   await cluster.stop();                                 // or stopCluster(dir) from another process
 *
 * Everything lives in one directory: certificates, etcd data, the node's containers and volumes,
 * one log file and one pid file per process, the admin kubeconfig (`<dir>/kubeconfig`) and
 * `cluster.json` (what was started). Stopping removes every process, mount, cgroup and the
 * network namespace (with every interface and iptables/nftables rule in it).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { toolPath } from '../tools/tool-path';
import { NODE_NAME } from './addresses';
import { startApiServer } from './api-server';
import { startControllers } from './controllers';
import { dnsObjects } from './dns';
import { startEtcd } from './etcd';
import { startGatekeeper, type GatekeeperOptions, type RunningGatekeeper } from './gatekeeper';
import { startIstiod, type IstiodOptions, type RunningIstiod } from './istiod';
import { startPostgres, type RunningPostgres } from './postgres';
import { startVault, type RunningVault } from './vault';
import { freePorts } from './http-checks';
import { COREDNS_IMAGE, KNP_IMAGE, PAUSE_IMAGE, TEST_SERVICE_IMAGE } from './images';
import { applyObjects, kubectl } from './kubectl';
import { networkPolicyObjects } from './network-policy';
import {
  cgroupRootName,
  containerdSocket,
  ctrArgs,
  drainNode,
  importImages,
  listPodNetnsFiles,
  orphanedPodNetnsFiles,
  podNetnsFiles,
  removeCgroupRoot,
  startContainerd,
  startKubelet,
  unmountUnder,
} from './node';
import {
  apiEndpointObjects,
  createNodeNetwork,
  deleteNodeNetwork,
  netnsName,
  run as runCommand,
  startApiRelay,
} from './node-network';
import { generatePki, writeKubeconfig } from './pki';
import { isOurs, processesNaming, terminate, waitUntil } from './processes';
import { startScheduler } from './scheduler';
import { startServiceProxy } from './service-proxy';
import { ClusterRun, readState, STATE_FILE, type ClusterState } from './state';

export { SERVICE_CLUSTER_IP_RANGE, NODE_IP, NODE_NAME } from './addresses';
export { LOCAL_REGISTRY, TEST_SERVICE_IMAGE, IMAGE_UID } from './images';
export { GATEKEEPER_NAMESPACE, GATEKEEPER_WEBHOOK } from './gatekeeper';
export { ISTIO_INJECTION_WEBHOOK, ISTIO_NAMESPACE } from './istiod';
export { renderInjectionFiles, istioChartDir } from './istio-injection';
export { createDatabase, psql, type DatabaseSpec, type RunningPostgres } from './postgres';
export type { RunningVault } from './vault';
export type { RunningGatekeeper } from './gatekeeper';
export type { RunningIstiod } from './istiod';
export { validatingWebhook, mutatingWebhook, WEBHOOK_TIMEOUT_SECONDS } from './webhooks';

export interface Cluster {
  /** The directory holding certificates, data, logs, pid files and the kubeconfig. */
  readonly dir: string;
  /** Path of an admin (system:masters) kubeconfig for this cluster. */
  readonly kubeconfig: string;
  /** The API server URL, e.g. https://127.0.0.1:40123. */
  readonly server: string;
  /** The node's network namespace, when the cluster has a node. */
  readonly netns?: string;
  /** The platform's admission chain and services this cluster runs (see `StartOptions.platform`). */
  readonly platform: RunningPlatform;
  /** Stop every process, remove what the node added, and remove `dir`. */
  stop(): Promise<void>;
}

/**
 * The platform's components beside the control plane, each a local process: the admission
 * webhooks the API server calls by URL (Istio's sidecar injector, Gatekeeper) and the services
 * workloads use (Vault, and PostgreSQL for Vault's database engine).
 */
export interface PlatformOptions {
  /** istiod, serving Istio's sidecar injection webhook. @default false */
  readonly istio?: boolean | IstiodOptions;
  /** Gatekeeper's controller manager: validating webhook, audit and status. @default false */
  readonly gatekeeper?: boolean | GatekeeperOptions;
  /** A dev-mode Vault server. @default false */
  readonly vault?: boolean;
  /** A private PostgreSQL server. @default false */
  readonly postgres?: boolean;
}

export interface RunningPlatform {
  readonly istiod?: RunningIstiod;
  readonly gatekeeper?: RunningGatekeeper;
  readonly vault?: RunningVault;
  readonly postgres?: RunningPostgres;
}

/** Everything: what `syskit cluster up --platform` starts. */
export const FULL_PLATFORM: PlatformOptions = { istio: true, gatekeeper: true, vault: true, postgres: true };

/** The control plane alone (no node): what most e2e tests need. */
export type ControlPlane = Cluster;

export interface StartOptions {
  /** Directory to use (created if missing; must not hold a cluster already). @default - a fresh temp dir */
  readonly dir?: string;
  /** Progress lines (building, starting, ready). @default - discarded */
  readonly log?: (line: string) => void;
  /** How long to wait for each component to become ready, in ms. @default 120000 */
  readonly readyTimeoutMs?: number;
  /** Start the node too (kubelet, containerd, kube-proxy, DNS, NetworkPolicy). @default false */
  readonly node?: boolean;
  /** The platform's components to start once the cluster is up. @default - none */
  readonly platform?: PlatformOptions;
}

/** Components whose binaries come from scripts/tools.sh. */
const CONTROL_PLANE_TOOLS = ['etcd', 'kube-apiserver', 'kube-controller-manager'] as const;
const NODE_TOOLS = [
  'kube-scheduler',
  'kubelet',
  'kube-proxy',
  'coredns',
  'kube-network-policies',
  'pause',
  'test-service',
] as const;
/** From the distribution's packages (see .ci/run). */
const NODE_COMMANDS = { containerd: 'containerd', ctr: 'ctr', runc: 'runc', nsenter: 'nsenter', ip: 'ip' };

export function startControlPlane(opts: Omit<StartOptions, 'node'> = {}): Promise<ControlPlane> {
  return startCluster({ ...opts, node: false });
}

export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const log = opts.log ?? (() => undefined);
  const withNode = opts.node ?? false;
  if (opts.dir && fs.existsSync(path.join(path.resolve(opts.dir), STATE_FILE))) {
    throw new Error(
      `${path.resolve(opts.dir)} already holds a cluster; stop it first ("syskit cluster down")`,
    );
  }
  const commands = withNode ? findCommands() : undefined;
  // 1. Binaries (cached by scripts/tools.sh; the first build takes many minutes).
  const bin: Record<string, string> = {};
  const platform = opts.platform ?? {};
  for (const tool of [...CONTROL_PLANE_TOOLS, ...(withNode ? NODE_TOOLS : []), ...platformTools(platform)]) {
    bin[tool] = await toolPath(tool, log);
  }
  const dir = prepareDir(opts.dir);
  const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3);
  const state: ClusterState = {
    server: `https://127.0.0.1:${apiPort}`,
    kubeconfig: path.join(dir, 'kubeconfig'),
    etcd: `http://127.0.0.1:${etcdClientPort}`,
    processes: [],
  };
  const run = new ClusterRun(dir, state, log, opts.readyTimeoutMs ?? 120_000);
  run.save();
  try {
    // 2. Certificates, then the control plane.
    log(`cluster: generating certificates in ${run.pki}`);
    await generatePki(run.pki);
    writeKubeconfig(state.kubeconfig, state.server, run.pki, 'admin');
    await startEtcd(run, bin.etcd, etcdClientPort, etcdPeerPort);
    await startApiServer(run, bin['kube-apiserver'], apiPort);
    await startControllers(run, bin['kube-controller-manager']);
    if (!withNode) {
      log(`cluster: control plane ready at ${state.server} (kubeconfig ${state.kubeconfig})`);
      return handle(dir, state, await startPlatform(run, bin, platform));
    }
    // 3. The node.
    startScheduler(run, bin['kube-scheduler']);
    const netns = netnsName(dir);
    const socket = containerdSocket(dir);
    state.node = {
      netns,
      cgroupRoot: cgroupRootName(netns),
      containerdSocket: socket,
      podNetnsBefore: listPodNetnsFiles(),
    };
    run.save();
    await createNodeNetwork(netns);
    log(`cluster: network namespace ${netns} created`);
    await startApiRelay(run, netns, apiPort);
    await applyObjects(state.kubeconfig, apiEndpointObjects());
    await startContainerd(run, netns, { ...commands!, kubelet: bin.kubelet });
    await importImages(run, commands!.ctr, socket, [
      { ref: PAUSE_IMAGE, binary: bin.pause },
      { ref: TEST_SERVICE_IMAGE, binary: bin['test-service'] },
      { ref: COREDNS_IMAGE, binary: bin.coredns },
      { ref: KNP_IMAGE, binary: bin['kube-network-policies'] },
    ]);
    await startKubelet(run, netns, bin.kubelet, socket, state.node.cgroupRoot);
    startServiceProxy(run, netns, bin['kube-proxy']);
    await waitUntil(`node ${NODE_NAME} Ready`, run.timeoutMs, run.processes, () =>
      nodeReady(state.kubeconfig),
    );
    await applyObjects(state.kubeconfig, [...networkPolicyObjects(), ...dnsObjects()]);
    log('cluster: waiting for CoreDNS and kube-network-policies');
    await waitUntil('kube-network-policies and CoreDNS ready', run.timeoutMs, run.processes, () =>
      addonsReady(state.kubeconfig, commands!.ip, netns),
    );
    log(`cluster: node ${NODE_NAME} ready in network namespace ${netns}`);
    log(`cluster: ready at ${state.server} (kubeconfig ${state.kubeconfig})`);
    return handle(dir, state, await startPlatform(run, bin, platform));
  } catch (err) {
    // Leave nothing running or mounted; keep the directory (its logs) for a look, named in the error.
    await teardown(dir, state, { keepDir: true }).catch(() => undefined);
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n(cluster not started; logs kept in ${dir}, remove it when done)`, {
      cause: err,
    });
  }
}

function handle(dir: string, state: ClusterState, platform: RunningPlatform = {}): Cluster {
  return {
    dir,
    kubeconfig: state.kubeconfig,
    server: state.server,
    netns: state.node?.netns,
    platform,
    stop: () => stopCluster(dir),
  };
}

function platformTools(platform: PlatformOptions): string[] {
  return [
    ...(platform.istio ? ['pilot-discovery'] : []),
    ...(platform.gatekeeper ? ['gatekeeper'] : []),
    ...(platform.vault ? ['vault'] : []),
  ];
}

/** Services first, then the webhooks: a webhook registered is a webhook every request waits for. */
async function startPlatform(
  run: ClusterRun,
  bin: Record<string, string>,
  platform: PlatformOptions,
): Promise<RunningPlatform> {
  const options = <T>(value: boolean | T | undefined): T | undefined =>
    value === true ? ({} as T) : value ? value : undefined;
  const postgres = platform.postgres ? await startPostgres(run) : undefined;
  const vault = platform.vault ? await startVault(run, bin.vault) : undefined;
  const istioOptions = options<IstiodOptions>(platform.istio);
  const istiod = istioOptions ? await startIstiod(run, bin['pilot-discovery'], istioOptions) : undefined;
  const gatekeeperOptions = options<GatekeeperOptions>(platform.gatekeeper);
  const gatekeeper = gatekeeperOptions
    ? await startGatekeeper(run, bin.gatekeeper, gatekeeperOptions)
    : undefined;
  return { postgres, vault, istiod, gatekeeper };
}

/**
 * Stop the cluster recorded in `dir` (even from another process), remove what its node added
 * to the machine, and remove `dir`. Does nothing if `dir` does not exist. Refuses to remove a
 * directory that does not look like a cluster's.
 */
export async function stopCluster(dir: string): Promise<void> {
  dir = path.resolve(dir);
  if (!fs.existsSync(dir)) return;
  const state = readState(dir);
  if (!state && !fs.readdirSync(dir).some((f) => f.endsWith('.pid'))) {
    throw new Error(`${dir} does not look like a cluster directory (no ${STATE_FILE}); not removing it`);
  }
  await teardown(dir, state, { keepDir: false });
}

async function teardown(
  dir: string,
  state: ClusterState | undefined,
  opts: { keepDir: boolean },
): Promise<void> {
  const recorded = state?.processes ?? [];
  // Processes known by pid file only (a state file lost or written before a crash).
  const names = new Set(recorded.map((p) => p.name));
  const fromPidFiles = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.pid') && !names.has(f.slice(0, -4)))
    .map((f) => ({ name: f.slice(0, -4), pid: Number(fs.readFileSync(path.join(dir, f), 'utf8').trim()) }));
  const all = [...recorded.map((p) => ({ name: p.name, pid: p.pid })), ...fromPidFiles].filter(
    (p) => Number.isInteger(p.pid) && p.pid > 0,
  );
  const stop = async (name: string) => {
    for (const p of all.filter((q) => q.name === name)) await terminate(p.pid, dir);
  };
  const netns = state?.node?.netns ?? netnsName(dir);
  const hasNode = state?.node !== undefined || fs.existsSync(`/run/netns/${netns}`);
  if (hasNode) {
    const cgroupRoot = state?.node?.cgroupRoot ?? cgroupRootName(netns);
    const socket = state?.node?.containerdSocket ?? containerdSocket(dir);
    // Pods leave the way Kubernetes removes them (the runtime cleans up their networks); then
    // the kubelet stops, so it restarts nothing; then whatever is left is killed by its cgroup
    // (which holds even when containerd is gone), then containerd and its shims.
    await stop('kube-scheduler');
    if (
      state &&
      fs.existsSync(state.kubeconfig) &&
      all.some((p) => p.name === 'kubelet' && isOurs(p.pid, dir))
    ) {
      await drainNode(state.kubeconfig, 'ctr', socket, 45_000);
    }
    await stop('kubelet');
    await stop('kube-proxy');
    const leftNetns = [
      ...new Set([
        ...podNetnsFiles(cgroupRoot),
        // A sandbox whose processes are already gone leaves its file with no process to find it by.
        ...orphanedPodNetnsFiles(state?.node?.podNetnsBefore ?? listPodNetnsFiles()),
      ]),
    ];
    await removeCgroupRoot(cgroupRoot);
    for (const file of leftNetns) {
      await runCommand('umount', [file]).catch(() => undefined);
      fs.rmSync(file, { force: true });
    }
    await stop('containerd');
    for (const pid of processesNaming(path.join(dir, 'node'))) await terminate(pid, dir, 2_000);
    await unmountUnder(dir);
    // An "outside" namespace a test attached to the node goes with it.
    await deleteNodeNetwork(`${netns}-out`);
    await deleteNodeNetwork(netns);
  }
  for (const p of [...all].reverse()) await terminate(p.pid, dir);
  const survivors = all.filter((p) => isOurs(p.pid, dir));
  if (survivors.length > 0) {
    throw new Error(
      `still running after SIGKILL: ${survivors.map((p) => `${p.name} (${p.pid})`).join(', ')}`,
    );
  }
  if (!opts.keepDir) fs.rmSync(dir, { recursive: true, force: true });
}

function prepareDir(dir: string | undefined): string {
  if (!dir) return fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cluster-'));
  dir = path.resolve(dir);
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(path.join(dir, STATE_FILE))) {
    throw new Error(`${dir} already holds a cluster; stop it first ("syskit cluster down")`);
  }
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.pid')) fs.rmSync(path.join(dir, f));
  }
  return dir;
}

/** The distribution's commands the node needs, found on PATH (and in /usr/sbin, where runc lives). */
function findCommands(): { containerd: string; ctr: string; ip: string } {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
  const found: Record<string, string> = {};
  const missing: string[] = [];
  for (const [key, command] of Object.entries(NODE_COMMANDS)) {
    const hit = dirs.map((d) => path.join(d, command)).find((p) => fs.existsSync(p));
    if (hit) found[key] = hit;
    else missing.push(command);
  }
  if (missing.length > 0) {
    throw new Error(
      `the node needs ${missing.join(', ')} on PATH: install the Debian packages containerd, runc, ` +
        'containernetworking-plugins, iproute2, iptables, nftables and conntrack (see .ci/run)',
    );
  }
  if (process.getuid?.() !== 0) throw new Error('the node needs root (network namespaces, mounts, cgroups)');
  return { containerd: found.containerd, ctr: found.ctr, ip: found.ip };
}

async function nodeReady(kubeconfig: string): Promise<true | string> {
  const out = await kubectl(kubeconfig, ['get', 'node', NODE_NAME, '-o', 'json']).catch(
    (e: Error) => e.message,
  );
  if (!out.startsWith('{')) return out;
  const node = JSON.parse(out) as {
    status?: { conditions?: { type: string; status: string; message?: string }[] };
  };
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return ready?.status === 'True' || `Ready=${ready?.status ?? 'unknown'}: ${ready?.message ?? ''}`;
}

async function addonsReady(kubeconfig: string, ip: string, netns: string): Promise<true | string> {
  const out = await kubectl(kubeconfig, [
    'get',
    'deployment/coredns',
    'daemonset/kube-network-policies',
    '-n',
    'kube-system',
    '-o',
    'json',
  ]);
  const items = (JSON.parse(out) as { items: { kind: string; status?: Record<string, number> }[] }).items;
  const dns = items.find((i) => i.kind === 'Deployment');
  const knp = items.find((i) => i.kind === 'DaemonSet');
  if ((dns?.status?.availableReplicas ?? 0) < 1) return 'CoreDNS not available yet';
  if ((knp?.status?.numberReady ?? 0) < 1) return 'kube-network-policies not ready yet';
  // Its nftables table exists once it enforces anything; before that, denied flows would pass.
  const tables = await runCommand(ip, ['netns', 'exec', netns, 'nft', 'list', 'tables']).catch(() => '');
  return (
    tables.includes('kube-network-policies') || 'kube-network-policies has not written its nftables table yet'
  );
}

/** For the CLI: the containerd socket and pid files a running cluster uses (for `ctr` by hand). */
export function describeNode(dir: string): { netns: string; ctr: string } | undefined {
  const state = readState(path.resolve(dir));
  if (!state?.node) return undefined;
  return { netns: state.node.netns, ctr: `ctr ${ctrArgs(state.node.containerdSocket, []).join(' ')}` };
}
