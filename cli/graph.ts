import type { ResolvedSystem } from '../model';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const GRAPH_HELP = `Usage: syskit graph --env <name> [--system <name>]... [--format mermaid|json]

Prints the resolved call graph and public routes of an environment: exactly
what the NetworkPolicies and mesh policies allow. Mermaid by default; JSON
for other tools:

  {"services": ["system/service", ...],
   "calls": [["from-system/service", "to-system/service"], ...],
   "routes": [{"service": "system/service", "host": "...", "path": "...", "auth": "jwt|none"}, ...]}

Jobs appear among the services when they call one.

Options:
  --env <name>            the environment (required)
  --system <name>         only these systems and the calls that touch them (repeatable)
  --format <f>            mermaid (default) or json
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
  -h, --help              show this help`;

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

export async function graphCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string' },
    system: { type: 'string', multiple: true },
    format: { type: 'string' },
    systems: { type: 'string' },
    environments: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(GRAPH_HELP);
    return EXIT.ok;
  }
  if (!values.env) throw new UsageError('syskit graph needs --env <name>');
  const format = values.format ?? 'mermaid';
  if (format !== 'mermaid' && format !== 'json')
    throw new UsageError(`--format expects mermaid or json, got "${format}"`);
  const { fleet, environments, systems } = planFromFlags(values);
  const { resolve } = await import('../model');
  // Resolve the whole fleet: a focused system's callers live in other systems.
  const resolved = fleet.systems.map((s) => resolve(s, environments[0], fleet));
  const graph = callGraph(resolved, values.system ? new Set(systems.map((s) => s.name)) : undefined);
  io.out(format === 'json' ? JSON.stringify(graph) : toMermaid(graph));
  return EXIT.ok;
}
