import * as path from 'node:path';
import { OutputFolder } from '../synth/output';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse, planFromFlags } from './options';

export const CATALOG_HELP = `Usage: syskit catalog [options]

Writes the fleet as Backstage catalog entities: <out>/<system>.yaml per system
(a System; a Component per service and job, in production when an environment
whose policies deny runs it; an API per public host of a service,
with an OpenAPI definition of its routes; Resources for the database and topics)
and <out>/catalog-info.yaml, a Location listing them, to register in Backstage.
The folder is replaced in one step; nothing is written when a declaration is invalid.

Options:
${FLEET_HELP}
  --out <dir>             output directory (default: catalog)`;

export async function catalogCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { ...FLEET_OPTIONS, out: { type: 'string' } });
  if (values.help) {
    io.out(CATALOG_HELP);
    return EXIT.ok;
  }
  const { stringify } = await import('yaml');
  const { catalogEntities, catalogLocation } = await import('../delivery/catalog');
  const { fleet, systems, environments } = planFromFlags(values);
  const out = path.resolve(values.out ?? 'catalog');
  const entities = catalogEntities(fleet, { systems, environments });
  const files = new Map<string, string>();
  for (const [system, list] of entities)
    files.set(`${system}.yaml`, list.map((e) => stringify(e, { lineWidth: 0 })).join('---\n'));
  files.set('catalog-info.yaml', stringify(catalogLocation([...entities.keys()].map((s) => `${s}.yaml`))));
  // The same ownership, lock and one-step swap as synth's output folder.
  const folder = OutputFolder.open(out, { onWait: (message) => io.err(`syskit: ${message}`) });
  try {
    folder.commit(files);
  } finally {
    folder.release();
  }
  const count = [...entities.values()].reduce((n, l) => n + l.length, 0);
  io.out(
    `${count} entities for ${entities.size} system${entities.size === 1 ? '' : 's'} -> ${values.out ?? 'catalog'}/`,
  );
  return EXIT.ok;
}
