import {
  kibibytes,
  millicores,
  parseCronSchedule,
  shortestIntervalSeconds,
  type ResolvedJob,
  type ResolvedService,
  type Environment,
  type ResolvedSystem,
  type Resources,
} from '../model';
import { DATABASE_RESOURCES, POOLER_RESOURCES, poolerInstances } from './database';
import type { InjectedContainer } from './injected-containers';
import { meshProxyContainers } from './mesh-proxy';
import { authorizerReplicas, OPA_RESOURCES } from './opa-authorizer';
import { vaultAgentContainers } from './vault-agent';

/** CPU in millicores, memory and ephemeral storage in KiB, requested and limited. */
export interface Amounts {
  readonly cpuRequest: number;
  readonly cpuLimit: number;
  readonly memoryRequest: number;
  readonly memoryLimit: number;
  readonly ephemeralRequest: number;
  readonly ephemeralLimit: number;
}

const AMOUNT_KEYS = [
  'cpuRequest',
  'cpuLimit',
  'memoryRequest',
  'memoryLimit',
  'ephemeralRequest',
  'ephemeralLimit',
] as const satisfies readonly (keyof Amounts)[];

/** Each amount from `pick`. */
function eachAmount(pick: (key: keyof Amounts) => number): Amounts {
  return Object.fromEntries(AMOUNT_KEYS.map((k) => [k, pick(k)])) as unknown as Amounts;
}

/** What one kind of pod of a namespace needs when everything runs at its largest. */
export interface FullScaleNeed {
  /** The object that owns the pods, as `Kind/name`. */
  readonly owner: string;
  /** Pods at full scale: most replicas plus the rollout's surge, or overlapping runs. */
  readonly pods: number;
  /** How `pods` was reached, for people reading the sizing. */
  readonly why: string;
  /** What one pod reserves, injected containers included. */
  readonly perPod: Amounts;
  /** Every container that counts, with its size: the application's and the injected ones. */
  readonly containers: readonly {
    readonly name: string;
    readonly runs: 'alongside' | 'init';
    readonly resources: Resources;
  }[];
}

/**
 * Extra pods a Deployment's rolling update starts before old ones stop: `maxSurge` 25%, rounded
 * up, which Kubernetes and cdk8s-plus default to and every Deployment here (the pooler's
 * included, which the operator writes without a strategy) keeps.
 */
export function rollingUpdateSurge(replicas: number): number {
  return Math.ceil(replicas * 0.25);
}

/**
 * Everything a system's namespace runs at full scale, one entry per pod owner: each service at
 * its autoscaling maximum (or replica count) plus its rollout surge, each job's overlapping runs,
 * the OPA authorizer, the database's instances with the one extra pod the operator runs to
 * create or join an instance, and the pooler. Each pod carries the containers the platform
 * injects (the mesh proxy, Vault Agent), taken from the same values that write the injectors'
 * annotations, so the quota and what the injectors add cannot drift apart.
 */
export function fullScaleNeeds(system: ResolvedSystem): FullScaleNeed[] {
  const env = system.environment;
  const mesh = meshProxyContainers(env);
  const needs: FullScaleNeed[] = [];
  const need = (
    owner: string,
    pods: number,
    why: string,
    containers: InjectedContainer[],
  ): FullScaleNeed => ({
    owner,
    pods,
    why,
    perPod: podAmounts(containers, env),
    containers,
  });
  const app = (name: string, resources: Resources): InjectedContainer => ({
    name,
    runs: 'alongside',
    resources,
  });

  for (const service of system.services) {
    const containers = [app(service.name, service.resources), ...mesh, ...vaultAgentContainers(service)];
    if (service.storage) {
      // A StatefulSet replaces its pods one at a time, the old one gone before the new one starts.
      needs.push(
        need(
          `StatefulSet/${service.name}`,
          service.replicas,
          `${service.replicas} replicas, no surge`,
          containers,
        ),
      );
      continue;
    }
    const most = mostReplicas(service);
    const surge = rollingUpdateSurge(most);
    needs.push(
      need(
        `Deployment/${service.name}`,
        most + surge,
        `${describeReplicas(service)} + ${surge} surge`,
        containers,
      ),
    );
  }
  for (const job of system.jobs) {
    const runs = overlappingRuns(job);
    needs.push(
      need(`CronJob/${job.name}`, runs.pods, runs.why, [
        app(job.name, job.resources),
        ...mesh,
        ...vaultAgentContainers(job),
      ]),
    );
  }
  const authorizers = authorizerReplicas(system);
  if (authorizers > 0) {
    const surge = rollingUpdateSurge(authorizers);
    needs.push(
      need(`Deployment/opa-authz`, authorizers + surge, `${authorizers} replicas + ${surge} surge`, [
        app('opa', OPA_RESOURCES),
        ...mesh,
      ]),
    );
  }
  const db = system.database;
  if (db) {
    // Instance pods are out of the mesh; the operator's init container takes the instance's size.
    needs.push(
      need(`Cluster/${db.clusterName}`, db.instances + 1, `${db.instances} instances + 1 initdb/join job`, [
        app('postgres', DATABASE_RESOURCES),
        { name: 'bootstrap-controller', runs: 'init', resources: DATABASE_RESOURCES },
      ]),
    );
    if (env.database.pooler) {
      const instances = poolerInstances(db);
      const surge = rollingUpdateSurge(instances);
      needs.push(
        need(
          `Pooler/${db.clusterName}-pooler`,
          instances + surge,
          `${instances} instances + ${surge} surge`,
          [
            app('pgbouncer', POOLER_RESOURCES),
            { name: 'bootstrap-controller', runs: 'init', resources: POOLER_RESOURCES },
          ],
        ),
      );
    }
  }
  return needs;
}

/** The PersistentVolumeClaims one owner makes, all of one size. */
export interface ClaimNeed {
  /** The object whose claims they are, as `Kind/name`. */
  readonly owner: string;
  readonly claims: number;
  /** Size of each claim, as declared (`20Gi`). */
  readonly size: string;
}

/**
 * Every PersistentVolumeClaim a system's namespace holds: one per replica of each stateful
 * service, and one per instance of the database (CloudNativePG's data volume; no separate WAL
 * volume is declared). The quota's `persistentvolumeclaims` and `requests.storage` are their sums,
 * so a claim nobody declared is refused.
 */
export function claimNeeds(system: ResolvedSystem): ClaimNeed[] {
  const needs: ClaimNeed[] = system.services
    .filter((s) => s.storage)
    .map((s) => ({ owner: `StatefulSet/${s.name}`, claims: s.replicas, size: s.storage!.size }));
  const db = system.database;
  if (db) needs.push({ owner: `Cluster/${db.clusterName}`, claims: db.instances, size: db.storage });
  return needs;
}

/** Claims and their storage together, in KiB. */
export function claimTotals(needs: readonly ClaimNeed[]): { claims: number; storage: number } {
  return {
    claims: needs.reduce((n, c) => n + c.claims, 0),
    storage: needs.reduce((n, c) => n + c.claims * kibibytes(c.size), 0),
  };
}

/** The sum of every need: what the namespace's ResourceQuota must admit. */
export function namespaceTotals(needs: readonly FullScaleNeed[]): Amounts & { readonly pods: number } {
  return {
    pods: needs.reduce((total, n) => total + n.pods, 0),
    ...eachAmount((key) => needs.reduce((total, n) => total + n.pods * n.perPod[key], 0)),
  };
}

/** The largest single container of the namespace: the LimitRange's per-container maximum. */
export function largestContainer(needs: readonly FullScaleNeed[], env: Environment): Amounts {
  const all = needs.flatMap((n) => n.containers.map((c) => amounts(c.resources, env)));
  return eachAmount((key) => Math.max(0, ...all.map((a) => a[key])));
}

function mostReplicas(service: ResolvedService): number {
  return service.autoscaling ? service.autoscaling.max : service.replicas;
}

function describeReplicas(service: ResolvedService): string {
  return service.autoscaling
    ? `${service.autoscaling.max} replicas (autoscaling maximum)`
    : `${service.replicas} replicas`;
}

/**
 * How many pods of a job can run at once. `Forbid` never starts a run while one is active;
 * `Replace` stops the running one, which keeps its pod while it terminates; `Allow` starts a run
 * whenever the schedule says, so as many overlap as fit in `activeDeadlineSeconds`.
 */
function overlappingRuns(job: ResolvedJob): { pods: number; why: string } {
  if (job.concurrencyPolicy === 'Forbid') return { pods: 1, why: 'concurrencyPolicy Forbid: 1 run' };
  if (job.concurrencyPolicy === 'Replace')
    return { pods: 2, why: 'concurrencyPolicy Replace: 1 run + 1 terminating' };
  const schedule = parseCronSchedule(job.schedule);
  if (typeof schedule === 'string') throw new Error(`${job.name}: ${schedule}`);
  const interval = shortestIntervalSeconds(schedule, job.timeZone);
  const pods = Math.max(1, Math.ceil(job.activeDeadlineSeconds / interval));
  return {
    pods,
    why: `concurrencyPolicy Allow: a ${job.activeDeadlineSeconds}s deadline over runs ${interval}s apart`,
  };
}

/**
 * A container's amounts. Containers that name no ephemeral storage (the injected ones, the
 * operator's) get the namespace LimitRange's default, which is the environment's.
 */
function amounts(r: Resources, env: Environment): Amounts {
  const storage = env.defaults.resources;
  return {
    cpuRequest: millicores(r.requests.cpu),
    cpuLimit: millicores(r.limits.cpu),
    memoryRequest: kibibytes(r.requests.memory),
    memoryLimit: kibibytes(r.limits.memory),
    ephemeralRequest: kibibytes(r.requests.ephemeralStorage ?? storage.requests.ephemeralStorage),
    ephemeralLimit: kibibytes(r.limits.ephemeralStorage ?? storage.limits.ephemeralStorage),
  };
}

/**
 * Kubernetes' effective size of a pod: its running containers together, or its largest init
 * container together with the sidecars already running beside it, whichever is more (an init
 * container runs before the application starts, never beside it). The application's container
 * comes first.
 */
function podAmounts(containers: readonly InjectedContainer[], env: Environment): Amounts {
  const [application, ...rest] = containers;
  const sidecars = rest.filter((c) => c.runs === 'alongside');
  const inits = rest.filter((c) => c.runs === 'init');
  return eachAmount((key) => {
    const size = (c: InjectedContainer) => amounts(c.resources, env)[key];
    const beside = sidecars.reduce((t, c) => t + size(c), 0);
    return Math.max(
      size(application) + beside,
      ...inits.map((c) => size(c) + (c.besideSidecars ? beside : 0)),
    );
  });
}
