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

Each lives in its own stack of the Pulumi project "syskit-ephemeral", apart from
the long-lived environments, tagged syskit:ephemeral, syskit:base,
syskit:created-at, syskit:expires-at and syskit:creator (SYSKIT_CREATOR, else
user@host). A name that is a long-lived environment's, whose namespaces or hosts
a long-lived system or the platform uses, or that an environment of another base
has, is refused before anything is touched. env down and env gc never touch a
stack without the syskit:ephemeral tag.

  env up <name> --from <base> [--ttl 48h]   create or update, apply, print the URLs
  env list                                  name, base, age, expiry and creator of each
  env down <name>                           destroy everything and remove the stack
  env gc                                    destroy every expired environment

Vault: env up applies the environment's Vault side after its objects, as
"syskit up" does (policies, Kubernetes-auth roles, Kafka PKI roles, database
connections and roles, all named after its namespaces), to the Vault of
VAULT_ADDR and VAULT_TOKEN, or to the local cluster's Vault when the kubeconfig
is that cluster's; without either it says the step is skipped. Its checks run
before anything is applied (exit 1: files refused; exit 3: Vault not ready).
env down and env gc remove exactly those objects of each environment they
destroy (found from the namespaces its stack recorded; the base's and other
environments' objects are never selected) and print each; without a Vault
they say what was left and the "syskit vault remove" command that removes it.
An unreachable Vault stops them before anything is destroyed (exit 3).

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
  switch (action) {
    case 'up': {
      if (!name) throw new UsageError('syskit env up needs a name, like "pr-42"');
      const { deriveEphemeral, ephemeralNameConflicts, parseTtl } = await import('../environments/ephemeral');
      const { parseFleet } = await import('../model');
      const { plan } = await import('../synth/plan');
      const systems = loadDeclarations(values.systems ?? DEFAULT_SYSTEMS);
      const environments = loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS);
      const base = values.from ?? 'dev';
      const { fleet: longLived, environments: bases } = plan(systems, environments, { environments: [base] });
      // Refused from the declarations alone, before any backend or cluster is touched.
      const conflicts = ephemeralNameConflicts(name, {
        environments: longLived.environments.map((e) => e.name),
        systems: longLived.systems,
      });
      if (conflicts.length > 0) {
        throw new UsageError(
          `"${name}" cannot be an ephemeral environment:\n${conflicts.map((c) => `  ${c.message}`).join('\n')}`,
        );
      }
      const ephemeral = deriveEphemeral(bases[0], { name, ttlHours: parseTtl(values.ttl ?? '48h') });
      const fleet = parseFleet(systems, [ephemeral]);
      const options = await stackOptions(values, io);
      const environment = fleet.environments[0];
      // The Vault step of `syskit up`, checked before the stack is touched and run after the apply.
      const vaultStep = await (
        await import('./vault-step')
      ).prepareUpVaultStep(
        fleet,
        environment,
        undefined,
        options,
        io,
        `syskit env up ${name} --from ${base}`,
      );
      if (vaultStep.refused !== undefined) return vaultStep.refused;
      const stacks = await import('../stacks/ephemeral-stacks');
      await stacks.checkEphemeralStack(fleet, environment, options.log);
      const result = await stacks.upEphemeral(fleet, environment, options);
      const tags = stacks.ephemeralTags(environment);
      io.out(`${name}: ${result.summary}; expires ${tags['syskit:expires-at']}`);
      for (const url of result.outputs.urls) io.out(`  ${url}`);
      return vaultStep.run();
    }
    case 'list': {
      const options = await stackOptions(values, io);
      const now = Date.now();
      const { environments, untagged } = await (
        await import('../stacks/ephemeral-stacks')
      ).listEphemeral(options.log);
      io.out(
        ['NAME', 'BASE', 'AGE', 'EXPIRES', 'CREATOR']
          .map((h, i) => h.padEnd([16, 10, 8, 18, 0][i]))
          .join(' ')
          .trimEnd(),
      );
      for (const e of environments) {
        const left = e.expiresAt.getTime() - now;
        io.out(
          [
            e.name.padEnd(16),
            e.base.padEnd(10),
            age(now - e.createdAt.getTime()).padEnd(8),
            (left <= 0 ? `expired ${age(-left)} ago` : `in ${age(left)}`).padEnd(18),
            e.creator,
          ].join(' '),
        );
      }
      for (const stack of untagged)
        io.err(`syskit: stack ${stack} has no syskit:ephemeral tag; env down and env gc leave it alone`);
      return EXIT.ok;
    }
    case 'down': {
      if (!name) throw new UsageError('syskit env down needs the name of an ephemeral environment');
      const options = await stackOptions(values, io);
      const vault = await (await import('./ephemeral-vault')).prepareEphemeralVaultRemoval(options, io);
      if (vault.refused !== undefined) return vault.refused;
      const destroyed = (await (await import('../stacks/ephemeral-stacks')).destroyEphemeral(name, options))!;
      io.out(`${name}: destroyed (${destroyed.summary}), stack removed`);
      return vault.remove(name, destroyed.namespaces);
    }
    case 'gc': {
      const options = await stackOptions(values, io);
      const vault = await (await import('./ephemeral-vault')).prepareEphemeralVaultRemoval(options, io);
      if (vault.refused !== undefined) return vault.refused;
      let code: number = EXIT.ok;
      const { collected, untagged } = await (
        await import('../stacks/ephemeral-stacks')
      ).collectExpired(new Date(), {
        ...options,
        // Each environment's Vault objects go right after its stack; a Vault failure does not stop the collection.
        destroyed: async (e) => {
          code = Math.max(code, await vault.remove(e.name, e.namespaces));
        },
      });
      for (const stack of untagged) io.err(`syskit: stack ${stack} has no syskit:ephemeral tag; left alone`);
      io.out(
        collected.length === 0
          ? 'no expired environments'
          : `destroyed ${collected.map((e) => e.name).join(', ')}`,
      );
      return code;
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
