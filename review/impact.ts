import { didYouMean, type ResolvedSystem } from '../model';
import { byText } from './change';
import { callGraph, serviceNode, toMermaid } from './call-graph';

/** A workload the target's failure or API change reaches, and how far away it is. */
export interface AffectedWorkload {
  /** `system/workload`. */
  readonly workload: string;
  readonly kind: 'service' | 'job';
  readonly owner: string;
  /** Calls between it and the target: 1 for a direct caller. */
  readonly distance: number;
}

/** The blast radius of a service, or of every service of a system, in one environment. */
export interface Impact {
  readonly environment: string;
  /** As asked: `system` or `system/service`. */
  readonly target: string;
  /** The services that go down or change: the one named, or all of the system's. */
  readonly services: readonly string[];
  /** Everything that calls them, directly or through others, nearest first. */
  readonly callers: readonly AffectedWorkload[];
  /** Jobs among the callers. */
  readonly jobs: readonly string[];
  /** Public routes served by the target or by a caller that depends on it. */
  readonly routes: readonly { service: string; host: string; path: string; auth: 'jwt' | 'none' }[];
  /** The hostnames of those routes. */
  readonly hosts: readonly string[];
  /** Workloads that consume a topic the target publishes. */
  readonly consumers: readonly { topic: string; publisher: string; workload: string; owner: string }[];
  /** Teams to tell: owners of the target, its callers and the consumers. */
  readonly owners: readonly string[];
}

/** The target names no system or service of the fleet. */
export class UnknownTargetError extends Error {}

/**
 * Walks the reverse call graph from the target: the callers, their callers, and so on, each
 * reached once at its shortest distance. Jobs call but are never called, so they end a path.
 */
export function impactOf(systems: readonly ResolvedSystem[], target: string, environment: string): Impact {
  const byName = new Map(systems.map((s) => [s.name, s]));
  const [systemName, serviceName] = target.split('/', 2);
  const system = byName.get(systemName);
  if (system === undefined)
    throw new UnknownTargetError(`unknown system "${systemName}"${didYouMean(systemName, byName.keys())}`);
  const names = system.services.map((s) => s.name);
  if (serviceName !== undefined && !names.includes(serviceName)) {
    throw new UnknownTargetError(
      `unknown service "${serviceName}" in system "${systemName}"${didYouMean(serviceName, names)}`,
    );
  }
  const services = (serviceName === undefined ? names : [serviceName]).map((n) => `${systemName}/${n}`);

  const owners = new Map(systems.map((s) => [s.name, s.owner]));
  const ownerOf = (id: string) => owners.get(id.split('/')[0])!;
  const kinds = new Map<string, 'service' | 'job'>();
  const callersOf = new Map<string, string[]>();
  for (const s of systems) {
    for (const w of [...s.services, ...s.jobs]) {
      const from = `${s.name}/${w.name}`;
      kinds.set(from, w.kind);
      for (const c of w.calls) {
        const to = `${c.system}/${c.service}`;
        callersOf.set(to, [...(callersOf.get(to) ?? []), from]);
      }
    }
  }

  const distance = new Map(services.map((s) => [s, 0]));
  let frontier = [...services];
  for (let depth = 1; frontier.length > 0; depth++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const caller of callersOf.get(id) ?? []) {
        if (distance.has(caller)) continue;
        distance.set(caller, depth);
        next.push(caller);
      }
    }
    frontier = next;
  }
  const callers = [...distance.entries()]
    .filter(([, d]) => d > 0)
    .sort(([a, da], [b, db]) => da - db || byText(a, b))
    .map(([workload, d]) => ({
      workload,
      kind: kinds.get(workload)!,
      owner: ownerOf(workload),
      distance: d,
    }));

  const graph = callGraph(systems);
  const routes = graph.routes.filter((r) => distance.has(r.service));

  const publisherOf = new Map<string, string>();
  for (const s of system.services) {
    const id = `${systemName}/${s.name}`;
    if (services.includes(id)) for (const t of s.publishes) publisherOf.set(`${systemName}/${t}`, id);
  }
  const consumers = systems
    .flatMap((s) =>
      [...s.services, ...s.jobs].flatMap((w) =>
        w.consumes
          .map((t) => `${t.system}/${t.topic}`)
          .filter((topic) => publisherOf.has(topic))
          .map((topic) => ({
            topic,
            publisher: publisherOf.get(topic)!,
            workload: `${s.name}/${w.name}`,
            owner: s.owner,
          })),
      ),
    )
    .sort((a, b) => byText(`${a.topic} ${a.workload}`, `${b.topic} ${b.workload}`));

  return {
    environment,
    target,
    services,
    callers,
    jobs: callers.filter((c) => c.kind === 'job').map((c) => c.workload),
    routes,
    hosts: [...new Set(routes.map((r) => r.host))].sort(byText),
    consumers,
    owners: [
      ...new Set(
        [...services, ...callers.map((c) => c.workload), ...consumers.map((c) => c.workload)].map(ownerOf),
      ),
    ].sort(byText),
  };
}

/** The impact as lines for a terminal. */
export function formatImpact(impact: Impact): string {
  const lines = [`${impact.environment}: ${impact.target} (${impact.services.join(', ')})`];
  const list = (title: string, items: readonly string[]) => {
    lines.push(`  ${title}:${items.length === 0 ? ' none' : ''}`);
    for (const item of items) lines.push(`    ${item}`);
  };
  list(
    'callers',
    impact.callers.map(
      (c) =>
        `${c.workload} (${c.kind}, ${c.owner}, ${c.distance === 1 ? 'direct' : `${c.distance} calls away`})`,
    ),
  );
  list('jobs', impact.jobs);
  list(
    'routes',
    impact.routes.map((r) => `${r.host}${r.path} (${r.auth}) -> ${r.service}`),
  );
  list(
    'topic consumers',
    impact.consumers.map((c) => `${c.workload} <- ${c.topic} (${c.owner})`),
  );
  list('owners', impact.owners);
  return lines.join('\n');
}

/**
 * The environment's call graph with the blast radius coloured: the target in red, what depends
 * on it in orange, topic consumers linked by dotted edges.
 */
export function impactMermaid(systems: readonly ResolvedSystem[], impact: Impact): string {
  const node = serviceNode;
  const lines = [toMermaid(callGraph(systems))];
  const consumerNodes = impact.consumers.map((c) => c.workload);
  for (const c of impact.consumers) {
    lines.push(`  ${node(c.publisher)} -.->|"${c.topic.split('/')[1]}"| ${node(c.workload)}`);
  }
  lines.push('  classDef target fill:#f8d7da,stroke:#b02a37,stroke-width:2px');
  lines.push('  classDef affected fill:#ffe5b4,stroke:#cc7a00');
  lines.push(`  class ${impact.services.map(node).join(',')} target`);
  const affected = [...new Set([...impact.callers.map((c) => c.workload), ...consumerNodes])];
  if (affected.length > 0) lines.push(`  class ${affected.map(node).join(',')} affected`);
  return lines.join('\n');
}
