import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../synth/errors';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';

/** Flags shared by the commands that read the fleet. */
export const FLEET_OPTIONS = {
  env: { type: 'string', multiple: true },
  system: { type: 'string', multiple: true },
  systems: { type: 'string' },
  environments: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export const FLEET_HELP = `  --env <name>            environment to use (repeatable; default: all)
  --system <name>         system to use (repeatable; default: all)
  --systems <path>        .ts/.js module, .yaml/.json file or directory of systems (default: charts/)
  --environments <path>   module, file or directory of environments (default: environments/)
  -h, --help              show this help`;

/**
 * node:util's parseArgs, with its errors turned into usage errors. Nothing on the command line
 * is ignored: arguments beyond `positionals` (none unless the command takes some, like
 * `env up <name>`) and a single-valued option given twice (`--env prod --env dev`, where
 * parseArgs would keep the last) are usage errors.
 */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  positionals = 0,
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true, tokens: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const extra = parsed.positionals.slice(positionals);
  if (extra.length > 0) {
    const hint = options.env && positionals === 0 ? `; environments are chosen with --env ${extra[0]}` : '';
    throw new UsageError(
      `unexpected argument${extra.length === 1 ? '' : 's'} ${extra.map((a) => `"${a}"`).join(' ')}${hint}`,
    );
  }
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    const spec = options[token.name];
    if (spec?.multiple) continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.value]);
  }
  for (const [name, values] of given) {
    if (values.length > 1) {
      throw new UsageError(
        `--${name} takes one value, got ${values.map((v) => `"${v}"`).join(' and ')}; give it once`,
      );
    }
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/** The fleet the flags name: declarations read from --systems and --environments, then picked by --env and --system. */
export function planFromFlags(values: {
  systems?: string;
  environments?: string;
  env?: string | string[];
  system?: string[];
}) {
  // The model (zod) loads here, once a command has handled --help, not when its module loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { plan } = require('../synth/plan') as typeof import('../synth/plan');
  return plan(
    loadDeclarations(values.systems ?? DEFAULT_SYSTEMS),
    loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS),
    { environments: typeof values.env === 'string' ? [values.env] : values.env, systems: values.system },
  );
}
