/**
 * What a running cluster left behind, in `<dir>/cluster.json`: its processes in start order and
 * everything of the node that `cluster down` must remove again (network namespace, cgroups).
 * A later `cluster down` from another process works from this file and the pid files alone.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launch, type ClusterProcess, type LaunchOptions } from './processes';

export const STATE_FILE = 'cluster.json';

export interface ClusterState {
  server: string;
  kubeconfig: string;
  etcd: string;
  processes: ClusterProcess[];
  /** Present once the node is being started. */
  node?: {
    /** Name of the network namespace (`/run/netns/<netns>`). */
    netns: string;
    /** The kubelet's cgroup root, below every cgroup v1 hierarchy. */
    cgroupRoot: string;
    /** containerd's socket, for stopping the pods' containers on the way down. */
    containerdSocket: string;
    /** The pod network namespace files (`/run/netns/cni-*`) that existed before the node started. */
    podNetnsBefore?: string[];
  };
  /** The dev-mode Vault, when the cluster runs one. */
  vault?: { address: string; token: string };
  /** The private PostgreSQL server, when the cluster runs one. */
  postgres?: { host: string; port: number; superuser: string; superuserPassword: string };
}

export function readState(dir: string): ClusterState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, STATE_FILE), 'utf8')) as ClusterState;
  } catch {
    return undefined;
  }
}

/** A cluster being started: where it lives and how its components start processes. */
export class ClusterRun {
  readonly pki: string;

  constructor(
    readonly dir: string,
    readonly state: ClusterState,
    readonly log: (line: string) => void,
    readonly timeoutMs: number,
  ) {
    this.pki = path.join(dir, 'pki');
  }

  get processes(): readonly ClusterProcess[] {
    return this.state.processes;
  }

  save(): void {
    fs.writeFileSync(path.join(this.dir, STATE_FILE), JSON.stringify(this.state, null, 2) + '\n');
  }

  start(name: string, bin: string, args: string[], opts: LaunchOptions = {}): ClusterProcess {
    const proc = launch(this.dir, name, bin, args, opts);
    this.state.processes.push(proc);
    this.save();
    return proc;
  }

  /** Client TLS material of the admin identity, for readiness checks against the API server. */
  adminTls(): { ca: Buffer; cert: Buffer; key: Buffer } {
    return {
      ca: fs.readFileSync(path.join(this.pki, 'ca.crt')),
      cert: fs.readFileSync(path.join(this.pki, 'admin.crt')),
      key: fs.readFileSync(path.join(this.pki, 'admin.key')),
    };
  }
}
