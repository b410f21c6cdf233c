import { Cron } from 'croner';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { parseFleet, resolve, type EnvironmentInput, type SystemInput } from '../../model';
import { podTemplates, restrictedViolations } from '../pod-templates';
import { chartObjects, ephemeral } from './system-objects';

/**
 * The namespace quota checked against what the rendered objects say they run, computed here
 * from the manifests alone (not from the sizing code): every Deployment at its HPA maximum plus
 * its rolling-update surge, every CronJob's overlapping runs, every CloudNativePG instance and
 * pooler, and in every pod the containers the injectors add as their annotations (or, without
 * them, the injectors' own defaults) size them.
 */

interface Size {
  cpuRequest: number;
  cpuLimit: number;
  memoryRequest: number;
  memoryLimit: number;
  ephemeralRequest: number;
  ephemeralLimit: number;
}
const KEYS: (keyof Size)[] = [
  'cpuRequest',
  'cpuLimit',
  'memoryRequest',
  'memoryLimit',
  'ephemeralRequest',
  'ephemeralLimit',
];
const each = (pick: (key: keyof Size) => number): Size =>
  Object.fromEntries(KEYS.map((k) => [k, pick(k)])) as unknown as Size;

/** Kubernetes quantities: CPU in millicores, memory in bytes. */
function cpu(q: string | number): number {
  const s = String(q);
  return s.endsWith('m') ? Number(s.slice(0, -1)) : Math.round(Number(s) * 1000);
}
function bytes(q: string | number): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`not a quantity: ${q}`);
  const unit =
    { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

/** Where each amount sits in a container's resources, and how it is read. */
const FIELDS: Record<keyof Size, [side: 'requests' | 'limits', name: string, read: (q: string) => number]> = {
  cpuRequest: ['requests', 'cpu', cpu],
  cpuLimit: ['limits', 'cpu', cpu],
  memoryRequest: ['requests', 'memory', bytes],
  memoryLimit: ['limits', 'memory', bytes],
  ephemeralRequest: ['requests', 'ephemeral-storage', bytes],
  ephemeralLimit: ['limits', 'ephemeral-storage', bytes],
};

/** A container's size; what it leaves out the LimitRange's defaults fill in, as admission does. */
function sizeOf(resources: any, fallback: Size): Size {
  return each((key) => {
    const [side, name, read] = FIELDS[key];
    const value = resources?.[side]?.[name];
    return value !== undefined ? read(value) : fallback[key];
  });
}
const plus = (a: Size, b: Size): Size => each((k) => a[k] + b[k]);
const most = (a: Size, b: Size): Size => each((k) => Math.max(a[k], b[k]));
const ZERO: Size = each(() => 0);
const times = (a: Size, n: number): Size => each((k) => a[k] * n);

/** Istio's chart defaults (`global.proxy.resources`) and vault-k8s's agent defaults. */
const ISTIO_CHART_PROXY = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '2000m', memory: '1024Mi' },
};
const VAULT_K8S_AGENT = {
  requests: { cpu: '250m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '128Mi' },
};

interface Namespace {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  limitRangeDefault: Size;
}

/**
 * What one pod reserves after admission: its containers, what the mesh and Vault injectors add
 * (proxy as a native sidecar after Istio's init container, Vault's init container after it), and
 * LimitRange defaults for containers without resources.
 */
function podSize(template: any, ns: Namespace): { size: Size; containers: Size[] } {
  const annotations: Record<string, string> = template.metadata?.annotations ?? {};
  const labels: Record<string, string> = template.metadata?.labels ?? {};
  const d = ns.limitRangeDefault;
  const regular: Size[] = (template.spec.containers ?? []).map((c: any) => sizeOf(c.resources, d));
  const initsBefore: Size[] = (template.spec.initContainers ?? []).map((c: any) => sizeOf(c.resources, d));
  const sidecars: Size[] = [];
  const initsAfter: Size[] = [];
  const istio =
    ns.labels['istio-injection'] === 'enabled' &&
    labels['sidecar.istio.io/inject'] !== 'false' &&
    annotations['sidecar.istio.io/inject'] !== 'false';
  if (istio) {
    const proxy = {
      requests: {
        cpu: annotations['sidecar.istio.io/proxyCPU'] ?? ISTIO_CHART_PROXY.requests.cpu,
        memory: annotations['sidecar.istio.io/proxyMemory'] ?? ISTIO_CHART_PROXY.requests.memory,
      },
      limits: {
        cpu: annotations['sidecar.istio.io/proxyCPULimit'] ?? ISTIO_CHART_PROXY.limits.cpu,
        memory: annotations['sidecar.istio.io/proxyMemoryLimit'] ?? ISTIO_CHART_PROXY.limits.memory,
      },
    };
    initsBefore.push(sizeOf(proxy, d)); // istio-validation takes the proxy's resources
    sidecars.push(sizeOf(proxy, d));
  }
  const linkerd =
    ns.annotations['linkerd.io/inject'] === 'enabled' && annotations['linkerd.io/inject'] !== 'disabled';
  if (linkerd) {
    const a = (k: string) => annotations[`config.linkerd.io/${k}`];
    const proxy = {
      requests: { cpu: a('proxy-cpu-request'), memory: a('proxy-memory-request') },
      limits: { cpu: a('proxy-cpu-limit'), memory: a('proxy-memory-limit') },
    };
    initsBefore.push(d);
    sidecars.push(sizeOf(proxy, d));
  }
  if (annotations['vault.hashicorp.com/agent-inject'] === 'true') {
    const v = (k: string, fallback: string) => annotations[`vault.hashicorp.com/agent-${k}`] ?? fallback;
    const agent = sizeOf(
      {
        requests: {
          cpu: v('requests-cpu', VAULT_K8S_AGENT.requests.cpu),
          memory: v('requests-mem', VAULT_K8S_AGENT.requests.memory),
        },
        limits: {
          cpu: v('limits-cpu', VAULT_K8S_AGENT.limits.cpu),
          memory: v('limits-mem', VAULT_K8S_AGENT.limits.memory),
        },
      },
      d,
    );
    initsAfter.push(agent);
    if (annotations['vault.hashicorp.com/agent-pre-populate-only'] !== 'true') regular.push(agent);
  }
  const besideSidecars = sidecars.reduce(plus, ZERO);
  const running = plus(regular.reduce(plus, ZERO), besideSidecars);
  let size = running;
  for (const init of initsBefore) size = most(size, init);
  for (const init of initsAfter) size = most(size, plus(init, besideSidecars));
  return { size, containers: [...regular, ...sidecars, ...initsBefore, ...initsAfter] };
}

function surge(strategy: any, replicas: number): number {
  const maxSurge = strategy?.rollingUpdate?.maxSurge ?? '25%';
  return typeof maxSurge === 'number' ? maxSurge : Math.ceil((replicas * parseInt(maxSurge, 10)) / 100);
}

function concurrentRuns(cronJob: any): number {
  const policy = cronJob.spec.concurrencyPolicy ?? 'Allow';
  if (policy === 'Forbid') return 1;
  if (policy === 'Replace') return 2;
  const runs = new Cron(cronJob.spec.schedule, {
    paused: true,
    timezone: cronJob.spec.timeZone ?? 'UTC',
  }).nextRuns(2000, new Date('2026-01-01T00:00:00Z'));
  const gaps = runs.slice(1).map((r, i) => (r.getTime() - runs[i].getTime()) / 1000);
  const deadline = cronJob.spec.jobTemplate.spec.activeDeadlineSeconds ?? Infinity;
  return Math.ceil(deadline / Math.min(...gaps));
}

/** What the rendered objects of one namespace need at full scale, and every container size in it. */
function fullScaleNeed(objects: any[]): { pods: number; total: Size; containers: Size[] } {
  const nsObject = objects.find((o) => o.kind === 'Namespace');
  const limitRange = objects.find((o) => o.kind === 'LimitRange').spec.limits[0];
  const ns: Namespace = {
    labels: nsObject.metadata.labels ?? {},
    annotations: nsObject.metadata.annotations ?? {},
    limitRangeDefault: sizeOf({ requests: limitRange.defaultRequest, limits: limitRange.default }, ZERO),
  };
  const hpaMax = new Map(
    objects
      .filter((o) => o.kind === 'HorizontalPodAutoscaler')
      .map((h) => [`${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, h.spec.maxReplicas]),
  );
  let pods = 0;
  let total = ZERO;
  const containers: Size[] = [];
  const add = (count: number, template: any) => {
    const pod = podSize(template, ns);
    pods += count;
    total = plus(total, times(pod.size, count));
    containers.push(...pod.containers);
  };
  for (const o of objects) {
    if (o.kind === 'Deployment') {
      const replicas = hpaMax.get(`Deployment/${o.metadata.name}`) ?? o.spec.replicas ?? 1;
      add(replicas + surge(o.spec.strategy, replicas), o.spec.template);
    } else if (o.kind === 'StatefulSet') {
      add(hpaMax.get(`StatefulSet/${o.metadata.name}`) ?? o.spec.replicas ?? 1, o.spec.template);
    } else if (o.kind === 'CronJob') {
      add(concurrentRuns(o), o.spec.jobTemplate.spec.template);
    } else if (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/')) {
      // Instances, and the initdb or join Job the operator runs beside them; all take spec.resources.
      const container = { name: 'postgres', resources: o.spec.resources };
      add(o.spec.instances + 1, {
        metadata: {
          labels: { 'sidecar.istio.io/inject': 'false' },
          annotations: { 'linkerd.io/inject': 'disabled' },
        },
        spec: { containers: [container], initContainers: [{ ...container, name: 'bootstrap-controller' }] },
      });
    } else if (o.kind === 'Pooler') {
      // The operator writes a Deployment without a strategy and adds a bootstrap-controller init container.
      const spec = o.spec.template.spec;
      const initContainers = spec.initContainers ?? [{ name: 'bootstrap-controller' }];
      add(o.spec.instances + surge(undefined, o.spec.instances), {
        metadata: o.spec.template.metadata,
        spec: { ...spec, initContainers },
      });
    }
  }
  return { pods, total, containers };
}

/**
 * The PersistentVolumeClaims the rendered objects make: one per StatefulSet replica and claim
 * template, one per CloudNativePG instance (its data volume, and its WAL volume when declared).
 */
function claimNeed(objects: any[]): { claims: number; storage: number } {
  let claims = 0;
  let storage = 0;
  for (const o of objects) {
    if (o.kind === 'StatefulSet') {
      for (const t of o.spec.volumeClaimTemplates ?? []) {
        claims += o.spec.replicas;
        storage += o.spec.replicas * bytes(t.spec.resources.requests.storage);
      }
    } else if (o.kind === 'Cluster' && o.apiVersion.startsWith('postgresql.cnpg.io/')) {
      for (const volume of [o.spec.storage, o.spec.walStorage].filter(Boolean)) {
        claims += o.spec.instances;
        storage += o.spec.instances * bytes(volume.size);
      }
    }
  }
  return { claims, storage };
}

function quotaOf(objects: any[]): {
  pods: number;
  total: Size;
  claims: number;
  storage: number;
} {
  const hard = objects.find((o) => o.kind === 'ResourceQuota').spec.hard;
  return {
    pods: Number(hard.pods),
    claims: Number(hard.persistentvolumeclaims),
    storage: bytes(hard['requests.storage']),
    total: each((key) => {
      const [side, name, read] = FIELDS[key];
      return read(hard[`${side}.${name}`]);
    }),
  };
}

const linkerdDev: EnvironmentInput = { ...environments[0], name: 'ld', mesh: { provider: 'linkerd' } };
const ENVIRONMENTS = [...environments, ephemeral(environments[0], 'pr-7'), linkerdDev];

/** Linkerd has no external authorization, so commerce's orders goes without it there. */
function withoutAuthz(system: SystemInput): SystemInput {
  const services = Object.fromEntries(
    Object.entries(system.services).map(([name, { authz: _authz, ...rest }]) => [name, rest]),
  );
  return { ...system, services };
}

function rendered(env: EnvironmentInput): [string, any[]][] {
  const systems = [commerce, fulfillment, identity];
  const fleet = parseFleet(env.mesh?.provider === 'linkerd' ? systems.map(withoutAuthz) : systems, [env]);
  return fleet.systems.map((s) => [s.name, chartObjects(resolve(s, fleet.environments[0], fleet))]);
}

describe('namespace quota at full scale', () => {
  it.each(ENVIRONMENTS.map((e) => [e.name, e]))(
    'admits every pod of every system in %s at its largest, injected containers included',
    (_name, env) => {
      for (const [system, objects] of rendered(env)) {
        const need = fullScaleNeed(objects);
        const quota = quotaOf(objects);
        expect({ system, pods: quota.pods >= need.pods }).toEqual({ system, pods: true });
        const claims = claimNeed(objects);
        expect({ system, claims: quota.claims >= claims.claims }).toEqual({ system, claims: true });
        expect({ system, storage: quota.storage >= claims.storage }).toEqual({ system, storage: true });
        for (const key of KEYS)
          expect({ system, key, need: need.total[key], fits: quota.total[key] >= need.total[key] }).toEqual({
            system,
            key,
            need: need.total[key],
            fits: true,
          });
      }
    },
  );

  it.each(ENVIRONMENTS.map((e) => [e.name, e]))(
    'lets no counted container exceed the LimitRange maximum in %s',
    (_name, env) => {
      for (const [system, objects] of rendered(env)) {
        const max = objects.find((o) => o.kind === 'LimitRange').spec.limits[0].max;
        for (const c of fullScaleNeed(objects).containers) {
          expect({ system, cpu: c.cpuLimit <= cpu(max.cpu) }).toEqual({ system, cpu: true });
          expect({ system, memory: c.memoryLimit <= bytes(max.memory) }).toEqual({ system, memory: true });
          expect({ system, disk: c.ephemeralLimit <= bytes(max['ephemeral-storage']) }).toEqual({
            system,
            disk: true,
          });
        }
      }
    },
  );

  it("would refuse prod commerce's pods with the injectors' default sizes: the annotations are what fit", () => {
    const objects = rendered(environments.find((e) => e.name === 'prod')!).find(
      ([s]) => s === 'commerce',
    )![1];
    const stripped = objects.map((o) => {
      const template =
        o.kind === 'Deployment'
          ? o.spec.template
          : o.kind === 'CronJob'
            ? o.spec.jobTemplate.spec.template
            : undefined;
      if (!template?.metadata?.annotations) return o;
      const copy = structuredClone(o);
      const t = o.kind === 'Deployment' ? copy.spec.template : copy.spec.jobTemplate.spec.template;
      for (const key of Object.keys(t.metadata.annotations))
        if (key.startsWith('sidecar.istio.io/proxy')) delete t.metadata.annotations[key];
      return copy;
    });
    expect(fullScaleNeed(stripped).total.cpuLimit).toBeGreaterThan(quotaOf(objects).total.cpuLimit);
  });
});

describe('pod-level seccomp profile', () => {
  it.each(ENVIRONMENTS.map((e) => [e.name, e]))(
    'is RuntimeDefault on every pod template in %s, so injected containers pass restricted',
    (_name, env) => {
      for (const [, objects] of rendered(env)) {
        const templates = podTemplates(objects);
        expect(templates.length).toBeGreaterThan(0);
        for (const t of templates) {
          expect({ where: t.where, seccomp: t.spec.securityContext?.seccompProfile }).toEqual({
            where: t.where,
            seccomp: { type: 'RuntimeDefault' },
          });
          // A container as Istio's injector adds it: its own security context, no seccomp profile.
          const injected = {
            ...t.spec,
            containers: [
              ...t.spec.containers,
              {
                name: 'istio-proxy',
                securityContext: {
                  allowPrivilegeEscalation: false,
                  capabilities: { drop: ['ALL'] },
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  runAsNonRoot: true,
                  runAsUser: 1337,
                },
              },
            ],
          };
          expect({ where: t.where, problems: restrictedViolations(injected) }).toEqual({
            where: t.where,
            problems: [],
          });
        }
        for (const cluster of objects.filter((o) => o.kind === 'Cluster'))
          expect(cluster.spec.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      }
    },
  );
});

describe('node disk', () => {
  it.each(ENVIRONMENTS.map((e) => [e.name, e]))(
    'is requested and limited by every container and bounded for every emptyDir in %s',
    (_name, env) => {
      for (const [, objects] of rendered(env)) {
        for (const t of podTemplates(objects)) {
          for (const c of [...(t.spec.initContainers ?? []), ...t.spec.containers]) {
            const where = `${t.where} ${c.name}`;
            expect({ where, request: typeof c.resources?.requests?.['ephemeral-storage'] }).toEqual({
              where,
              request: 'string',
            });
            expect({ where, limit: typeof c.resources?.limits?.['ephemeral-storage'] }).toEqual({
              where,
              limit: 'string',
            });
          }
          const limit = Math.min(
            ...t.spec.containers.map((c: any) => bytes(c.resources.limits['ephemeral-storage'])),
          );
          for (const v of (t.spec.volumes ?? []).filter((v: any) => v.emptyDir)) {
            const where = `${t.where} volume ${v.name}`;
            expect({ where, sizeLimit: typeof v.emptyDir.sizeLimit }).toEqual({ where, sizeLimit: 'string' });
            expect({ where, fits: bytes(v.emptyDir.sizeLimit) <= limit }).toEqual({ where, fits: true });
          }
        }
      }
    },
  );
});
