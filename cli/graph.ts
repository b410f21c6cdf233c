// review/call-graph.ts imports only types: loading it costs nothing before --help is handled.
import { callGraph, toMermaid } from '../review/call-graph';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export { callGraph, mermaidId, toMermaid, type CallGraph } from '../review/call-graph';

export const GRAPH_HELP = `Usage: syskit graph --env <name> [--system <name>]... [--format mermaid|json]

Prints the resolved call graph, public routes and egress of an environment: exactly
what the NetworkPolicies and mesh policies allow. Mermaid by default; JSON
for other tools:

  {"services": ["system/service", ...],
   "calls": [["from-system/service", "to-system/service"], ...],
   "routes": [{"service": "system/service", "host": "...", "path": "...", "auth": "jwt|none"}, ...],
   "egress": [{"service": "system/service", "host": "...", "port": 443, "protocol": "https|tls|http|tcp"}, ...]}

Destinations outside the cluster (declared egress) are nodes of their own in
Mermaid. Jobs appear among the services when they call one or reach outside.

Options:
  --env <name>            the environment (required)
  --system <name>         only these systems and the calls that touch them (repeatable)
  --format <f>            mermaid (default) or json
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
  -h, --help              show this help`;

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
