import { createHash } from 'node:crypto';
import {
  hostPrefix,
  kibibytes,
  millicores,
  parseImage,
  type Environment,
  type ResolvedRoute,
  type ResolvedService,
  type ResolvedSystem,
  type ResolvedJob,
  type Resources,
} from '../model';
import type { ChangeKind, Fact } from './change';
import type { Risk } from './risk';

/*
 * What a reviewer must see of one system in one environment, one row per kind of change. Subjects
 * never contain the environment's domain or namespace suffix, so two environments compare as
 * well as two commits (`diff --against-env`).

 */

type SystemKind = ChangeKind<ResolvedSystem>;

type Workload = ResolvedService | ResolvedJob;
const workloads = (s: ResolvedSystem): readonly Workload[] => [...s.services, ...s.jobs];
const id = (s: ResolvedSystem, w: { name: string }) => `${s.name}/${w.name}`;

/** One fact per workload that has one, keyed `<system>/<workload>`. */
function perWorkload(
  read: (w: Workload) => Fact | undefined,
  of: (s: ResolvedSystem) => readonly Workload[] = workloads,
) {
  return (s: ResolvedSystem): Map<string, Fact> => {
    const out = new Map<string, Fact>();
    for (const w of of(s)) {
      const fact = read(w);
      if (fact !== undefined) out.set(id(s, w), fact);
    }
    return out;
  };
}

/** Many facts per workload, keyed `<system>/<workload><suffix>`. */
function perWorkloadEach(
  read: (w: Workload, s: ResolvedSystem) => readonly (readonly [string, Fact])[],
  of: (s: ResolvedSystem) => readonly Workload[] = workloads,
) {
  return (s: ResolvedSystem): Map<string, Fact> => {
    const out = new Map<string, Fact>();
    for (const w of of(s)) for (const [suffix, fact] of read(w, s)) out.set(`${id(s, w)}${suffix}`, fact);
    return out;
  };
}

/** A route's host without the environment's domain and ephemeral prefix: `shop`. */
export function hostLabel(host: string, env: Environment): string {
  const suffix = `.${env.domain}`;
  const label = host.endsWith(suffix) ? host.slice(0, -suffix.length) : host;
  const prefix = hostPrefix(env);
  return label.startsWith(prefix) ? label.slice(prefix.length) : label;
}

function perRoute(read: (r: ResolvedRoute) => Fact) {
  return perWorkloadEach(
    (w, s) =>
      (w as ResolvedService).routes.map((r): [string, Fact] => [
        ` ${hostLabel(r.host, s.environment)}${r.path}`,
        read(r),
      ]),
    (s) => s.services,
  );
}

/** Up is `up`, down is `down`, no change in that direction is neither. */
const rising =
  (up: Risk, down: Risk) =>
  (before: Fact | undefined, after: Fact | undefined): Risk =>
    Number(after) > Number(before) ? up : down;

const added = (risk: Risk, otherwise: Risk) => (before: Fact | undefined) =>
  before === undefined ? risk : otherwise;

const DATABASE_ACCESS = ['none', 'readonly', 'readwrite'];
const ANY_METHOD = 'any';
const OWN_TOPIC = 'own system';
const OTHER_SYSTEMS_TOPIC = 'other system';

function methodsOf(r: ResolvedRoute): Fact {
  return r.methods === undefined ? ANY_METHOD : [...r.methods].sort();
}

/** Whether `after` allows a method `before` did not. */
function widened(before: Fact | undefined, after: Fact | undefined): boolean {
  if (after === ANY_METHOD) return before !== ANY_METHOD;
  if (before === ANY_METHOD) return false;
  const had = new Set(before as readonly string[]);
  return (after as readonly string[]).some((m) => !had.has(m));
}

function resourcesFact(r: Resources): Fact {
  return {
    requests: { cpu: r.requests.cpu, memory: r.requests.memory },
    limits: { cpu: r.limits.cpu, memory: r.limits.memory },
  };
}

/** Whether any request or limit of `after` is below `before`'s. */
function resourcesLowered(before: Fact | undefined, after: Fact | undefined): boolean {
  const b = before as unknown as Resources;
  const a = after as unknown as Resources;
  return (['requests', 'limits'] as const).some(
    (side) =>
      millicores(a[side].cpu) < millicores(b[side].cpu) ||
      kibibytes(a[side].memory) < kibibytes(b[side].memory),
  );
}

const digestPinned = (image: Fact | undefined) =>
  typeof image === 'string' && parseImage(image).digest !== undefined;

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const SYSTEM_KINDS: readonly SystemKind[] = [
  {
    kind: 'workload',
    category: 'security',
    compare: 'presence',
    facts: perWorkload((w) => w.kind),
    risk: () => 'low',
  },
  {
    // An edge is reported in the caller's system and in the callee's, so each team sees it.
    kind: 'call',
    category: 'security',
    compare: 'both',
    facts: (s) => {
      const out = new Map<string, Fact>();
      for (const w of workloads(s)) {
        for (const c of w.calls)
          out.set(`${id(s, w)} -> ${c.system}/${c.service}`, `${c.protocol}:${c.port}`);
      }
      for (const svc of s.services) {
        for (const c of svc.callers)
          out.set(`${c.system}/${c.service} -> ${id(s, svc)}`, `${svc.protocol}:${svc.port}`);
      }
      return out;
    },
    risk: added('medium', 'low'),
  },
  {
    // A destination outside the fleet: the mesh and the network policies now let this workload reach it.
    kind: 'egress',
    category: 'security',
    compare: 'presence',
    facts: perWorkloadEach((w) =>
      w.egress.map((e): [string, Fact] => [` -> ${e.host}:${e.port}`, e.protocol]),
    ),
    risk: added('high', 'low'),
  },
  {
    kind: 'route',
    category: 'security',
    compare: 'presence',
    facts: perRoute((r) => ({ host: r.host, path: r.path, auth: r.auth, methods: methodsOf(r) })),
    // A public route without authentication is the widest opening there is.
    risk: (before, after) =>
      before !== undefined ? 'low' : (after as { auth: string }).auth === 'none' ? 'high' : 'medium',
  },
  {
    kind: 'route.auth',
    category: 'security',
    compare: 'value',
    facts: perRoute((r) => r.auth),
    risk: (_before, after) => (after === 'none' ? 'high' : 'low'),
  },
  {
    kind: 'route.methods',
    category: 'security',
    compare: 'value',
    facts: perRoute(methodsOf),
    risk: (before, after) => (widened(before, after) ? 'medium' : 'low'),
  },
  {
    kind: 'route.cors',
    category: 'security',
    compare: 'value',
    facts: perRoute((r) => [...(r.corsOrigins ?? [])].sort()),
    risk: (before, after) => {
      const had = new Set(before as readonly string[]);
      return (after as readonly string[]).some((o) => !had.has(o)) ? 'medium' : 'low';
    },
  },
  {
    kind: 'route.rate-limit',
    category: 'security',
    compare: 'value',
    facts: perRoute((r) => r.rateLimitPerMinute),
    risk: rising('low', 'info'),
  },
  {
    kind: 'route.max-body',
    category: 'security',
    compare: 'value',
    facts: perRoute((r) => r.maxBodyMegabytes),
    risk: rising('low', 'info'),
  },
  {
    kind: 'secret',
    category: 'security',
    compare: 'both',
    facts: perWorkloadEach((w) => w.secrets.map((x): [string, Fact] => [` ${x.path}`, x.name])),
    risk: (before, after) => (before === undefined ? 'medium' : after === undefined ? 'low' : 'info'),
  },
  {
    kind: 'database',
    category: 'security',
    compare: 'both',
    absent: 'none',
    facts: perWorkload((w) => w.database),
    // Write access is what turns a compromised service into lost or altered data.
    risk: (before, after) => {
      const b = DATABASE_ACCESS.indexOf((before ?? 'none') as string);
      const a = DATABASE_ACCESS.indexOf((after ?? 'none') as string);
      return a <= b ? 'low' : after === 'readwrite' ? 'high' : 'medium';
    },
  },
  {
    kind: 'topic.produce',
    category: 'security',
    compare: 'presence',
    facts: perWorkloadEach((w, s) => w.publishes.map((t): [string, Fact] => [` -> ${s.name}/${t}`, true])),
    risk: added('medium', 'low'),
  },
  {
    kind: 'topic.consume',
    category: 'security',
    compare: 'presence',
    facts: perWorkloadEach((w, s) =>
      w.consumes.map((t): [string, Fact] => [
        ` <- ${t.system}/${t.topic}`,
        t.system === s.name ? OWN_TOPIC : OTHER_SYSTEMS_TOPIC,
      ]),
    ),
    // Reading another team's events is a new data flow across a boundary; one's own is not.
    risk: (before, after) => (before === undefined && after === OTHER_SYSTEMS_TOPIC ? 'medium' : 'low'),
  },
  {
    kind: 'authz',
    category: 'security',
    compare: 'both',
    absent: 'none',
    facts: perWorkload(
      (w) => {
        const authz = (w as ResolvedService).authz;
        return authz ? `${authz.policy}#${sha(authz.rego)}` : undefined;
      },
      (s) => s.services,
    ),
    risk: (before, after) => (after === undefined ? 'high' : before === undefined ? 'low' : 'medium'),
  },
  {
    kind: 'image',
    category: 'security',
    compare: 'value',
    facts: perWorkload((w) => w.image),
    // Trading a digest for a tag lets the image change under the same name.
    risk: (before, after) => (digestPinned(before) && !digestPinned(after) ? 'medium' : 'low'),
  },
  {
    kind: 'env',
    category: 'config',
    compare: 'both',
    facts: perWorkloadEach((w) => w.env.map((e): [string, Fact] => [` ${e.name}`, e.value])),
    risk: () => 'info',
  },
  {
    kind: 'replicas',
    category: 'sizing',
    compare: 'value',
    facts: perWorkload(
      (w) => {
        const svc = w as ResolvedService;
        return svc.autoscaling ? undefined : svc.replicas;
      },
      (s) => s.services,
    ),
    risk: rising('info', 'low'),
  },
  {
    kind: 'autoscaling',
    category: 'sizing',
    compare: 'both',
    absent: 'off',
    facts: perWorkload(
      (w) => {
        const a = (w as ResolvedService).autoscaling;
        return a ? { min: a.min, max: a.max, targetCpuPercent: a.targetCpuPercent } : undefined;
      },
      (s) => s.services,
    ),
    risk: (before, after) => {
      const min = (f: Fact | undefined) => (f === undefined ? 0 : (f as { min: number }).min);
      return after === undefined || min(after) < min(before) ? 'low' : 'info';
    },
  },
  {
    kind: 'resources',
    category: 'sizing',
    compare: 'value',
    facts: perWorkload((w) => resourcesFact(w.resources)),
    risk: (before, after) => (resourcesLowered(before, after) ? 'low' : 'info'),
  },
  {
    kind: 'database.instances',
    category: 'sizing',
    compare: 'value',
    facts: (s) => new Map(s.database ? [[s.name, s.database.instances]] : []),
    risk: rising('info', 'medium'),
  },
  {
    // Persistent volumes grow but never shrink; CloudNativePG refuses a smaller size.
    kind: 'database.storage',
    category: 'sizing',
    compare: 'both',
    facts: (s) => new Map(s.database ? [[s.name, s.database.storage]] : []),
    risk: (before, after) =>
      before !== undefined && after !== undefined && kibibytes(String(after)) < kibibytes(String(before))
        ? 'high'
        : 'info',
  },
  {
    // Kafka cannot remove partitions from a topic; Strimzi reports the change and ignores it.
    kind: 'topic.partitions',
    category: 'sizing',
    compare: 'value',
    facts: (s) => new Map(s.topics.map((t) => [`${s.name}/${t.name}`, t.partitions])),
    risk: rising('info', 'high'),
  },
];
