import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const IMPACT_HELP = `Usage: syskit impact <system>[/<service>] [--env <name>]... [--format text|json|mermaid]

The blast radius of a service (or of every service of a system) going down or
changing its API, per environment: its callers, transitively, the jobs among
them, the public routes and hosts that depend on it, the consumers of the
topics it publishes, and the owners of all of them.

Options:
  --env <name>            environment (repeatable; default: all; mermaid draws one)
  --format <f>            text (default), json, or mermaid (the call graph with the
                          affected subgraph highlighted)
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
  -h, --help              show this help`;

export async function impactCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      env: { type: 'string', multiple: true },
      format: { type: 'string' },
      systems: { type: 'string' },
      environments: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (values.help) {
    io.out(IMPACT_HELP);
    return EXIT.ok;
  }
  const { resolve } = await import('../model');
  const { formatImpact, impactMermaid, impactOf, UnknownTargetError } = await import('../review/impact');
  if (positionals.length !== 1)
    throw new UsageError('syskit impact needs one <system> or <system>/<service>');
  const format = values.format ?? 'text';
  if (!['text', 'json', 'mermaid'].includes(format))
    throw new UsageError(`--format expects text, json or mermaid, got "${format}"`);
  const { fleet, environments } = planFromFlags(values);
  if (format === 'mermaid' && environments.length !== 1)
    throw new UsageError('--format mermaid draws one environment; name it with --env');
  const impacts = environments.map((env) => {
    const systems = fleet.systems.map((s) => resolve(s, env, fleet));
    try {
      return { systems, impact: impactOf(systems, positionals[0], env.name) };
    } catch (error) {
      if (error instanceof UnknownTargetError) throw new UsageError(error.message);
      throw error;
    }
  });
  if (format === 'json')
    io.out(
      JSON.stringify(
        impacts.map((i) => i.impact),
        null,
        2,
      ),
    );
  else if (format === 'mermaid') io.out(impactMermaid(impacts[0].systems, impacts[0].impact));
  else io.out(impacts.map((i) => formatImpact(i.impact)).join('\n\n'));
  return EXIT.ok;
}
