import type { ResolvedSystem } from '../model';

export interface CallGraph {
  readonly services: string[];
  readonly calls: [string, string][];
  readonly routes: { service: string; host: string; path: string; auth: 'jwt' | 'none' }[];
}

/** The call graph of resolved systems; with `focus`, only what touches those systems. */
export function callGraph(systems: readonly ResolvedSystem[], focus?: ReadonlySet<string>): CallGraph {
  const touches = (id: string) => !focus || focus.has(id.split('/')[0]);
  const calls: [string, string][] = [];
  const routes: CallGraph['routes'] = [];
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
    }
  }
  const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    services: [...services].sort(byText),
    calls: calls.sort((a, b) => byText(a.join(' '), b.join(' '))),
    routes: routes.sort((a, b) => byText(`${a.host}${a.path}`, `${b.host}${b.path}`)),
  };
}

/** A Mermaid flowchart: one subgraph per system, the gateway's routes labelled with host, path and auth. */
export function toMermaid(graph: CallGraph): string {
  const node = (id: string) => id.replace(/[^A-Za-z0-9]/g, '_');
  const lines = ['flowchart LR', '  gateway(("Kong gateway"))'];
  const bySystem = new Map<string, string[]>();
  for (const id of graph.services) {
    const [system] = id.split('/');
    bySystem.set(system, [...(bySystem.get(system) ?? []), id]);
  }
  for (const [system, ids] of bySystem) {
    lines.push(`  subgraph ${system}`);
    for (const id of ids) lines.push(`    ${node(id)}["${id.split('/')[1]}"]`);
    lines.push('  end');
  }
  for (const r of graph.routes)
    lines.push(`  gateway -->|"${r.host}${r.path} (${r.auth})"| ${node(r.service)}`);
  for (const [from, to] of graph.calls) lines.push(`  ${node(from)} --> ${node(to)}`);
  return lines.join('\n');
}
