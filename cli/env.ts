import { UsageError } from '../synth/errors';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { CLUSTER_HELP_LINES, CLUSTER_OPTIONS, stackOptions } from './deploy';
import { EXIT, type Io } from './io';
import { parse } from './options';

export const ENV_HELP = `Usage: syskit env <up|list|down|gc> [options]

Short-lived environments, one per pull request, on the cluster of a base
environment. Namespaces carry the name as a suffix (commerce-pr-42), hostnames
as a prefix (pr-42-shop.dev.acme.example); the expiry is recorded on the stack
and as a label and an annotation on every namespace.

  env up <name> --from <base> [--ttl 48h]   create or update, apply, print the URLs
  env list                                  name, base, age and expiry of each
  env down <name>                           destroy everything and remove the stack
  env gc                                    destroy every expired environment

Options:
  --from <env>            base environment (env up; default: dev)
  --ttl <duration>        lifetime like 48h, 90m, 2d (env up; default: 48h)
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
${CLUSTER_HELP_LINES}
  -h, --help              show this help`;

export async function envCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      from: { type: 'string' },
      ttl: { type: 'string' },
      systems: { type: 'string' },
      environments: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...CLUSTER_OPTIONS,
    },
    2,
  );
  if (values.help) {
    io.out(ENV_HELP);
    return EXIT.ok;
  }
  const [action, name] = positionals;
  const { collectExpired, destroyEphemeral, listEphemeral } = await import('../stacks/ephemeral-stacks');
  const progress = values.quiet ? undefined : (text: string) => io.err(text.replace(/\n$/, ''));
  switch (action) {
    case 'up': {
      if (!name) throw new UsageError('syskit env up needs a name, like "pr-42"');
      const { deriveEphemeral, parseTtl } = await import('../environments/ephemeral');
      const { parseFleet } = await import('../model');
      const { plan } = await import('../synth/plan');
      const { up } = await import('../stacks/automation');
      const systems = loadDeclarations(values.systems ?? DEFAULT_SYSTEMS);
      const environments = loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS);
      const { environments: bases } = plan(systems, environments, { environments: [values.from ?? 'dev'] });
      const ephemeral = deriveEphemeral(bases[0], { name, ttlHours: parseTtl(values.ttl ?? '48h') });
      const fleet = parseFleet(systems, [ephemeral]);
      const result = await up(fleet, fleet.environments[0], await stackOptions(values, io));
      io.out(
        `${name}: ${result.summary}; expires ${new Date(Date.parse(ephemeral.ephemeral!.createdAt) + ephemeral.ephemeral!.ttlHours * 3600_000).toISOString()}`,
      );
      for (const url of result.outputs.urls) io.out(`  ${url}`);
      return EXIT.ok;
    }
    case 'list': {
      const now = Date.now();
      const envs = await listEphemeral(progress);
      io.out(
        ['NAME', 'BASE', 'AGE', 'EXPIRES']
          .map((h, i) => h.padEnd([16, 10, 8, 0][i]))
          .join(' ')
          .trimEnd(),
      );
      for (const e of envs) {
        const left = e.expiresAt.getTime() - now;
        io.out(
          [
            e.name.padEnd(16),
            e.base.padEnd(10),
            age(now - e.createdAt.getTime()).padEnd(8),
            left <= 0 ? `expired ${age(-left)} ago` : `in ${age(left)}`,
          ].join(' '),
        );
      }
      return EXIT.ok;
    }
    case 'down': {
      if (!name) throw new UsageError('syskit env down needs the name of an ephemeral environment');
      if (!(await listEphemeral(progress)).some((e) => e.name === name)) {
        throw new UsageError(`no ephemeral environment "${name}"; see "syskit env list"`);
      }
      io.out(`${name}: destroyed (${await destroyEphemeral(name, progress)}), stack removed`);
      return EXIT.ok;
    }
    case 'gc': {
      const collected = await collectExpired(new Date(), progress);
      io.out(collected.length === 0 ? 'no expired environments' : `destroyed ${collected.join(', ')}`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(
        `expected "env up", "env list", "env down" or "env gc"${action ? `, got "env ${action}"` : ''}`,
      );
  }
}

/** `3d4h`, `5h12m`, `42m`: the two largest units. */
export function age(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  return `${m}m`;
}
