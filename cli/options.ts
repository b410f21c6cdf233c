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

/** node:util's parseArgs, with its errors turned into usage errors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
