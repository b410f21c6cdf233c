import type { EgressProtocol, ResolvedSystem } from '../model';

export interface CallGraph {
  readonly services: string[];
  readonly calls: [string, string][];
  readonly routes: { service: string; host: string; path: string; auth: 'jwt' | 'none' }[];
  /** Declared destinations outside the cluster, per workload. */
  readonly egress: { service: string; host: string; port: number; protocol: EgressProtocol }[];
}

/** The call graph of resolved systems; with `focus`, only what touches those systems. */
export function callGraph(systems: readonly ResolvedSystem[], focus?: ReadonlySet<string>): CallGraph {
  const touches = (id: string) => !focus || focus.has(id.split('/')[0]);
  const calls: [string, string][] = [];
  const routes: CallGraph['routes'] = [];
  const egress: CallGraph['egress'] = [];
  const services = new Set<string>();
  for (const system of systems) {
    for (const s of system.services) {
      const id = `${system.name}/${s.name}`;
      if (touches(id)) services.add(id);
      for (const r of s.routes)
        if (touches(id)) routes.push({ service: id, host: r.host, path: r.path, auth: r.auth });
    }
    for (const w of [...system.services, ...system.jobs]) {
      const from = `${system.name}/${w.name}`;
      for (const c of w.calls) {
        const to = `${c.system}/${c.service}`;
        if (!touches(from) && !touches(to)) continue;
        calls.push([from, to]);
        services.add(from).add(to);
      }
      if (!touches(from)) continue;
      for (const e of w.egress) {
        egress.push({ service: from, host: e.host, port: e.port, protocol: e.protocol });
        services.add(from);
      }
    }
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    services: [...services].sort(byText),
    calls: calls.sort((a, b) => byText(a.join(' '), b.join(' '))),
    routes: routes.sort((a, b) => byText(`${a.host}${a.path}`, `${b.host}${b.path}`)),
    egress: egress.sort((a, b) => byText(a.service, b.service) || byText(a.host, b.host) || a.port - b.port),
  };
}

/** The Mermaid node id of a service or job (`system/name`) in `toMermaid`'s flowchart. */
export function serviceNode(id: string): string {
  return `svc_${mermaidId(id)}`;
}

/** The Mermaid node id of a destination outside the cluster (a host name or a CIDR block). */
export function externalNode(host: string): string {
  return `ext_${mermaidId(host)}`;
}

/**
 * A Mermaid flowchart: one subgraph per system, the gateway's routes labelled with host, path and
 * auth, and the destinations outside the cluster in a subgraph of their own, each edge labelled
 * with its port and protocol.
 */
export function toMermaid(graph: CallGraph): string {
  const lines = ['flowchart LR', '  gateway(("Kong gateway"))'];
  const bySystem = new Map<string, string[]>();
  for (const id of graph.services) {
    const [system] = id.split('/');
    bySystem.set(system, [...(bySystem.get(system) ?? []), id]);
  }
  for (const [system, ids] of bySystem) {
    lines.push(`  subgraph sys_${mermaidId(system)} ["${system}"]`);
    for (const id of ids) lines.push(`    ${serviceNode(id)}["${id.split('/')[1]}"]`);
    lines.push('  end');
  }
  const hosts = [...new Set(graph.egress.map((e) => e.host))].sort();
  if (hosts.length > 0) {
    lines.push('  subgraph outside ["outside the cluster"]');
    for (const host of hosts) lines.push(`    ${externalNode(host)}{{"${host}"}}`);
    lines.push('  end');
  }
  for (const r of graph.routes)
    lines.push(`  gateway -->|"${r.host}${r.path} (${r.auth})"| ${serviceNode(r.service)}`);
  for (const [from, to] of graph.calls) lines.push(`  ${serviceNode(from)} --> ${serviceNode(to)}`);
  for (const e of graph.egress)
    lines.push(`  ${serviceNode(e.service)} -->|"${e.port}/${e.protocol}"| ${externalNode(e.host)}`);
  return lines.join('\n');
}

/**
 * A Mermaid id that stands for exactly one name: letters and digits stay, every other character
 * becomes `_` and its two hex digits (`-` is `_2d`, `/` is `_2f`, `_` itself `_5f`), so
 * `commerce-x/y` and `commerce/x-y` never share a node. Prefixes keep services (`svc_`), systems
 * (`sys_`), destinations outside the cluster (`ext_`), the gateway and the `outside` subgraph apart.
 */
export function mermaidId(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, (c) => `_${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
