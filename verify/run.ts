/**
 * Running the probes: read each source's identity and each target's address from the cluster,
 * start one probe pod per source (at most `parallel` at a time), collect the results from the
 * pods' status, and delete every probe pod again, also when the run is interrupted.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ExpectedFlow, FlowTarget, ProbeSource } from './flows';
import { KubeClient, type KubeTarget } from './kube-client';
import { DEFAULT_PROBE_IMAGE, probePod, RUN_LABEL, type WorkloadIdentity } from './probe-pod';

export type Actual = 'open' | 'closed' | 'error';

export interface FlowResult {
  readonly flow: ExpectedFlow;
  /** What was dialled or resolved (`10.0.0.12:8080`), when known. */
  readonly address?: string;
  readonly actual: Actual;
  /** Why it is closed (timeout, refused) or why it could not be checked. */
  readonly detail?: string;
}

export interface RunOptions extends KubeTarget {
  /** @default DEFAULT_PROBE_IMAGE */
  readonly image?: string;
  /** Probe pods at once. @default 8 */
  readonly parallel?: number;
  /** Seconds each target may take before it counts as closed. @default 2 */
  readonly targetTimeoutSeconds?: number;
  /** Seconds each probe waits for the NetworkPolicy implementation to know it. @default 5 */
  readonly settleSeconds?: number;
  /** How long one probe pod may take from creation to result, in ms. @default 90000 */
  readonly podTimeoutMs?: number;
  /** Progress lines. @default - discarded */
  readonly log?: (line: string) => void;
}

interface PodList {
  items: {
    metadata: { name: string; namespace: string };
    status?: {
      phase?: string;
      reason?: string;
      message?: string;
      conditions?: { type: string; status: string; reason?: string; message?: string }[];
      containerStatuses?: {
        name: string;
        state?: {
          waiting?: { reason?: string; message?: string };
          terminated?: { exitCode: number; reason?: string; message?: string };
        };
      }[];
    };
  }[];
}

interface WorkloadObject {
  kind: string;
  metadata: { name: string };
  spec?: {
    template?: PodTemplate;
    jobTemplate?: { spec?: { template?: PodTemplate } };
    clusterIP?: string;
  };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec?: { serviceAccountName?: string };
}

/** Container waiting reasons that will not fix themselves within a probe's lifetime. */
const STUCK = new Set([
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
]);

export async function runProbes(
  flows: readonly ExpectedFlow[],
  opts: RunOptions = {},
): Promise<FlowResult[]> {
  const client = new KubeClient(opts);
  const log = opts.log ?? (() => undefined);
  const runId = randomBytes(4).toString('hex');
  const cleanup = onInterrupt(opts, runId);
  try {
    const cluster = await readCluster(client, flows);
    const bySource = new Map<string, ExpectedFlow[]>();
    for (const flow of flows) bySource.set(flow.source.id, [...(bySource.get(flow.source.id) ?? []), flow]);
    const results: FlowResult[] = [];
    const jobs: ProbeJob[] = [];
    for (const sourceFlows of bySource.values()) {
      const source = sourceFlows[0].source;
      const identity = cluster.identity(source);
      if (typeof identity === 'string') {
        results.push(...sourceFlows.map((flow) => ({ flow, actual: 'error' as const, detail: identity })));
        continue;
      }
      const probed: { flow: ExpectedFlow; target: string }[] = [];
      for (const flow of sourceFlows) {
        const target = cluster.address(flow.target);
        if (target.startsWith('!')) results.push({ flow, actual: 'error', detail: target.slice(1) });
        else probed.push({ flow, target });
      }
      if (probed.length > 0) jobs.push({ source, identity, probed });
    }
    log(`verify: ${jobs.length} probe pods, ${jobs.reduce((n, j) => n + j.probed.length, 0)} flows`);
    results.push(...(await runJobs(client, jobs, runId, opts, log)));
    return results;
  } finally {
    await client
      .run([
        'delete',
        'pods',
        '--all-namespaces',
        '-l',
        `${RUN_LABEL}=${runId}`,
        '--wait=false',
        '--ignore-not-found',
      ])
      .catch(() => undefined);
    cleanup();
  }
}

interface ProbeJob {
  readonly source: ProbeSource;
  readonly identity: WorkloadIdentity;
  readonly probed: readonly { readonly flow: ExpectedFlow; readonly target: string }[];
}

async function readCluster(client: KubeClient, flows: readonly ExpectedFlow[]) {
  const namespaces = new Set<string>();
  for (const f of flows) {
    namespaces.add(f.source.namespace);
    if (f.target.kind === 'service') namespaces.add(f.target.namespace);
  }
  const objects = new Map<string, WorkloadObject[]>();
  const present = new Set<string>();
  await Promise.all(
    [...namespaces].map(async (ns) => {
      const exists = await client.run(['get', 'namespace', ns, '-o', 'name']).then(
        () => true,
        () => false,
      );
      if (!exists) return;
      present.add(ns);
      const list = await client.getJson<{ items: WorkloadObject[] }>([
        'get',
        'deployments.apps,cronjobs.batch,services',
        '-n',
        ns,
      ]);
      objects.set(ns, list.items);
    }),
  );
  const find = (ns: string, kind: string, name: string) =>
    objects.get(ns)?.find((o) => o.kind === kind && o.metadata.name === name);
  return {
    identity(source: ProbeSource): WorkloadIdentity | string {
      if (!present.has(source.namespace)) return `namespace ${source.namespace} not found`;
      if (!source.workload) return { labels: { 'app.kubernetes.io/name': 'syskit-verify' } };
      const obj = find(source.namespace, source.workload.kind, source.workload.name);
      if (!obj) return `${source.workload.kind} ${source.namespace}/${source.workload.name} not found`;
      const template =
        source.workload.kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template : obj.spec?.template;
      return { labels: template?.metadata?.labels ?? {}, serviceAccount: template?.spec?.serviceAccountName };
    },
    /** `tcp:ip:port` / `dns:name`, or `!why` when the target cannot be addressed. */
    address(target: FlowTarget): string {
      if (target.kind === 'dns') return `dns:${target.name}`;
      if (target.kind === 'outside') return `tcp:${target.address}`;
      const svc = find(target.namespace, 'Service', target.name);
      if (!svc) return `!Service ${target.namespace}/${target.name} not found`;
      const ip = svc.spec?.clusterIP;
      if (!ip || ip === 'None') return `!Service ${target.namespace}/${target.name} has no ClusterIP`;
      return `tcp:${ip}:${target.port}`;
    },
  };
}

async function runJobs(
  client: KubeClient,
  jobs: readonly ProbeJob[],
  runId: string,
  opts: RunOptions,
  log: (line: string) => void,
): Promise<FlowResult[]> {
  const parallel = Math.max(1, opts.parallel ?? 8);
  const podTimeout = opts.podTimeoutMs ?? 90_000;
  const image = opts.image ?? DEFAULT_PROBE_IMAGE;
  const timeoutSeconds = opts.targetTimeoutSeconds ?? 2;
  const results: FlowResult[] = [];
  const pending = [...jobs];
  const inFlight = new Map<string, { job: ProbeJob; started: number; namespace: string }>();
  const fail = (job: ProbeJob, detail: string) =>
    results.push(
      ...job.probed.map(({ flow, target }) => ({
        flow,
        address: display(target),
        actual: 'error' as const,
        detail,
      })),
    );

  while (pending.length > 0 || inFlight.size > 0) {
    // Fill free slots; each pod is created on its own so one refused by admission fails alone.
    const starting = pending.splice(0, parallel - inFlight.size);
    await Promise.all(
      starting.map(async (job) => {
        const pod = probePod(
          job.source,
          job.identity,
          job.probed.map((p) => p.target),
          { runId, image, timeoutSeconds, settleSeconds: opts.settleSeconds ?? 5 },
        );
        try {
          const name = (
            await client.run(['create', '-f', '-', '-o', 'jsonpath={.metadata.name}'], JSON.stringify(pod))
          ).trim();
          inFlight.set(`${job.source.namespace}/${name}`, {
            job,
            started: Date.now(),
            namespace: job.source.namespace,
          });
          log(`verify: probing from ${job.source.id} (${job.probed.length} flows)`);
        } catch (err) {
          fail(job, `probe pod refused: ${(err as Error).message}`);
        }
      }),
    );
    if (inFlight.size === 0) continue;
    await new Promise((r) => setTimeout(r, 700));
    const list = await client.getJson<PodList>([
      'get',
      'pods',
      '--all-namespaces',
      '-l',
      `${RUN_LABEL}=${runId}`,
    ]);
    const done: string[] = [];
    for (const pod of list.items) {
      const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
      const entry = inFlight.get(key);
      if (!entry) continue;
      const outcome = podOutcome(pod, Date.now() - entry.started > podTimeout);
      if (outcome === undefined) continue;
      done.push(key);
      inFlight.delete(key);
      if (typeof outcome === 'string') {
        fail(entry.job, outcome);
        continue;
      }
      for (const { flow, target } of entry.job.probed) {
        const r = outcome.find((o) => o.t === target);
        if (!r)
          results.push({
            flow,
            address: display(target),
            actual: 'error',
            detail: 'no result from the probe',
          });
        else results.push({ flow, address: display(target), actual: r.ok ? 'open' : 'closed', detail: r.e });
      }
    }
    for (const [key, entry] of inFlight) {
      if (!list.items.some((p) => `${p.metadata.namespace}/${p.metadata.name}` === key)) {
        inFlight.delete(key);
        fail(entry.job, 'probe pod disappeared');
      }
    }
    // Delete finished pods now: they count against the namespace's pod quota.
    const byNamespace = new Map<string, string[]>();
    for (const key of done) {
      const [ns, name] = key.split('/');
      byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), name]);
    }
    await Promise.all(
      [...byNamespace].map(([ns, names]) =>
        client
          .run(['delete', 'pod', '-n', ns, ...names, '--wait=false', '--ignore-not-found'])
          .catch(() => undefined),
      ),
    );
  }
  return results;
}

type ProbeResults = { t: string; ok: boolean; e?: string }[];

/** The probe's results, a reason it will never deliver them, or undefined while it runs. */
function podOutcome(pod: PodList['items'][number], overdue: boolean): ProbeResults | string | undefined {
  const status = pod.status ?? {};
  const container = status.containerStatuses?.find((c) => c.name === 'probe');
  const terminated = container?.state?.terminated;
  if (terminated) {
    if (terminated.exitCode !== 0)
      return `probe exited ${terminated.exitCode}: ${terminated.message ?? terminated.reason ?? ''}`;
    try {
      return JSON.parse(terminated.message ?? '') as ProbeResults;
    } catch {
      return `unreadable probe result: ${terminated.message ?? '(none)'}`;
    }
  }
  const waiting = container?.state?.waiting;
  if (waiting?.reason && STUCK.has(waiting.reason))
    return `${waiting.reason}: ${waiting.message ?? ''}`.trim();
  if (status.phase === 'Failed')
    return `probe pod failed: ${status.reason ?? ''} ${status.message ?? ''}`.trim();
  if (overdue) {
    const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
    const why = unscheduled
      ? `${unscheduled.reason}: ${unscheduled.message}`
      : waiting?.reason
        ? `${waiting.reason}: ${waiting.message ?? ''}`
        : `phase ${status.phase ?? 'unknown'}`;
    return `probe pod gave no result in time (${why})`;
  }
  return undefined;
}

function display(target: string): string {
  return target.slice(target.indexOf(':') + 1);
}

/**
 * Delete this run's pods if the process is interrupted; returns the function that removes the
 * handlers again. Synchronous on purpose: the process exits right after.
 */
function onInterrupt(target: KubeTarget, runId: string): () => void {
  const handler = (signal: NodeJS.Signals) => {
    try {
      execFileSync(
        'kubectl',
        [
          ...(target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : []),
          ...(target.context ? ['--context', target.context] : []),
          'delete',
          'pods',
          '--all-namespaces',
          '-l',
          `${RUN_LABEL}=${runId}`,
          '--wait=false',
          '--ignore-not-found',
        ],
        { stdio: 'ignore', timeout: 30_000 },
      );
    } finally {
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
