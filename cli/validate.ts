import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Violation } from '../policies/evaluate';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, LoadError, loadDeclarations } from '../synth/load';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse } from './options';

export const VALIDATE_HELP = `Usage: syskit validate [options]

Checks every declaration (shapes, names, references, routes), renders the
manifests in memory, and evaluates them with OPA against the same Rego
policies Gatekeeper enforces in the cluster (policies/). Nothing is written.

Each violation is reported with its rule, environment, kind/namespace/name and
message. Exit 1 when a declaration is invalid or when a violation would be
denied in its environment (enforcement "deny"); violations in "dryrun" and
"warn" environments are reported but do not fail the run.

With --manifests, checks the given Kubernetes YAML instead of the systems
(for manifests written by hand or by another tool).

Options:
${FLEET_HELP}
  --manifests <path>      a YAML file or a directory of them to check instead of the systems
  --json                  print violations as JSON on stdout`;

export async function validateCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    json: { type: 'boolean' },
    manifests: { type: 'string' },
  });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  const { policyEnvironmentOf } = await import('../constructs/gatekeeper-policies');
  const { evaluate } = await import('../policies/evaluate');
  const { plan, renderEnvironmentDocuments } = await import('../synth/engine');
  const manifests = values.manifests === undefined ? undefined : await readManifests(values.manifests);
  const systems = manifests ? [] : loadDeclarations(values.systems ?? DEFAULT_SYSTEMS);
  const environments = loadDeclarations(values.environments ?? DEFAULT_ENVIRONMENTS);
  const {
    fleet,
    environments: envs,
    systems: selected,
  } = plan(systems, environments, {
    environments: values.env,
    systems: values.system,
  });
  const all: Violation[] = [];
  let denied = 0;
  for (const env of envs) {
    // The objects synth would write: its YAML reads back to exactly these (test/synth/yaml-writer.test.ts).
    const files = manifests ? [] : renderEnvironmentDocuments(fleet, env, selected);
    const objects = manifests ?? files.flatMap((f) => f.documents);
    const violations = await evaluate(objects, policyEnvironmentOf(env));
    all.push(...violations);
    denied += violations.filter((v) => v.enforcement === 'deny').length;
    if (values.json) continue;
    for (const v of violations) {
      const where = `${v.kind}/${v.namespace ? `${v.namespace}/` : ''}${v.name}`;
      io.err(`${v.environment}: [${v.rule}] ${where}: ${v.message} (${v.enforcement})`);
    }
    const systemsCount = files.filter((f) => f.system !== undefined).length;
    const subject = manifests ? 'manifests' : `${systemsCount} system${systemsCount === 1 ? '' : 's'} valid`;
    io.out(
      `${env.name}: ${subject}, ${objects.length} objects, ` +
        `${violations.length} policy violation${violations.length === 1 ? '' : 's'}` +
        (violations.length > 0 ? ` (${env.policy.enforcement})` : ''),
    );
  }
  if (values.json) io.out(JSON.stringify({ violations: all }, null, 2));
  return denied > 0 ? EXIT.invalid : EXIT.ok;
}

/** Kubernetes YAML from a file or every .yaml/.yml/.json file of a directory, empty documents left out. */
async function readManifests(target: string): Promise<Record<string, unknown>[]> {
  const { parseAllDocuments } = await import('yaml');
  if (!fs.existsSync(target)) throw new LoadError(`${target}: no such file or directory`);
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  return files.flatMap((file) =>
    parseAllDocuments(fs.readFileSync(file, 'utf8'))
      .map((d) => d.toJSON() as Record<string, unknown> | null)
      .filter((o): o is Record<string, unknown> => o !== null && typeof o === 'object'),
  );
}
