import { parseFleet, resolve, ValidationError, type Environment, type Fleet } from '../model';
import { policyRuleNames } from '../policies/catalog';
import { compareEnvironment, type EnvironmentDelta, type EnvironmentSide } from '../review/fleet-diff';
import { formatMarkdown } from '../review/markdown-report';
import { compareObjects, type ObjectDiff } from '../review/objects';
import { PLATFORM, shouldFail, systemReport, type DiffReport, type SystemReport } from '../review/report';
import { isRisk, RISKS, type Risk } from '../review/risk';
import { formatText } from '../review/text-report';
import { plan, UsageError } from '../synth/engine';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { renderPlatformObjects, renderSystemObjects } from '../synth/render';
import { baseDirectory, checkoutRef, type DeclarationPaths } from './base-declarations';
import { EXIT, type Io } from './io';
import { parse } from './options';

export const DIFF_HELP = `Usage: syskit diff [--env <name>]... [--base <git-ref> | --base-dir <path>] [options]
       syskit diff --env <name> --against-env <name> [options]

Compares the fleet at a base with the working copy, per environment and system:
security changes (calls, routes, Vault paths, database access, topics, OPA,
images, policy enforcement), sizing changes (replicas, autoscaling, resources,
quota, database, partitions) and config, each with a risk (${RISKS.join(', ')}),
and the rendered objects added, removed and changed per kind. Only systems whose
resolved inputs differ are rendered.

Options:
  --env <name>            environment to compare (repeatable; default: all)
  --base <git-ref>        the base commit, read with git archive (default: HEAD);
                          the work tree and index are left alone
  --base-dir <path>       the base as a folder laid out like the working copy
  --against-env <name>    compare --env with this environment of the working copy
                          instead (what promoting --env to it would change)
  --format <f>            text (default), markdown (a pull-request comment) or json
  --objects               add a unified diff of the changed objects
  --fail-on <risk>        exit 1 only for a change at this risk or above
  --systems <path>        systems to read (default: charts/)
  --environments <path>   environments to read (default: environments/)
  -h, --help              show this help

JSON: {base, head, environments: [{name, systems: [{name, risk, changes:
[{kind, category, subject, before, after, risk}], objects: {added, removed,
changed}}]}]}; cluster-wide changes are reported as the system "${PLATFORM}".

Exit codes: 0 nothing to review (or nothing at --fail-on), 1 changes to review
or invalid declarations, 2 usage error.`;

const FORMATS = ['text', 'markdown', 'json'] as const;

interface Side {
  readonly label: string;
  readonly fleet: Fleet;
  readonly environments: readonly Environment[];
}

export async function diffCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string', multiple: true },
    base: { type: 'string' },
    'base-dir': { type: 'string' },
    'against-env': { type: 'string' },
    format: { type: 'string' },
    objects: { type: 'boolean' },
    'fail-on': { type: 'string' },
    systems: { type: 'string' },
    environments: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(DIFF_HELP);
    return EXIT.ok;
  }
  const format = values.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format))
    throw new UsageError(`--format expects ${FORMATS.join(', ')}, got "${format}"`);
  const failOn = values['fail-on'];
  if (failOn !== undefined && !isRisk(failOn))
    throw new UsageError(`--fail-on expects ${RISKS.join(', ')}, got "${failOn}"`);
  const against = values['against-env'];
  if (values.base !== undefined && values['base-dir'] !== undefined)
    throw new UsageError('give --base or --base-dir, not both');
  if (against !== undefined && (values.base !== undefined || values['base-dir'] !== undefined))
    throw new UsageError(
      '--against-env compares two environments of the working copy; leave out --base and --base-dir',
    );
  if (against !== undefined && values.env?.length !== 1)
    throw new UsageError('--against-env needs exactly one --env, the environment to promote');
  if (against !== undefined && values.env![0] === against)
    throw new UsageError(
      `--against-env ${against} compares ${against} with itself; name another environment`,
    );

  const headPaths: DeclarationPaths = {
    systems: values.systems ?? DEFAULT_SYSTEMS,
    environments: values.environments ?? DEFAULT_ENVIRONMENTS,
  };
  // With --against-env both environments come from one reading of the working copy.
  const head = readSide(
    'working copy',
    headPaths,
    against === undefined ? values.env : [...values.env!, against],
  );
  const policyRules = policyRuleNames();

  let pairs: { name: string; before?: EnvironmentSide; after?: EnvironmentSide }[];
  let baseLabel: string;
  if (against !== undefined) {
    const [source, target] = head.environments;
    baseLabel = target.name;
    pairs = [
      {
        name: `${source.name} -> ${target.name}`,
        before: resolveSide(head.fleet, target),
        after: resolveSide(head.fleet, source),
      },
    ];
  } else {
    baseLabel = values['base-dir'] ?? values.base ?? 'HEAD';
    const base = readBase(values.base ?? 'HEAD', values['base-dir'], headPaths);
    const names = [...new Set([...head.environments, ...base.environments].map((e) => e.name))].filter(
      (n) => !values.env || values.env.includes(n),
    );
    const find = (side: Side, name: string) => side.environments.find((e) => e.name === name);
    pairs = names.map((name) => {
      const before = find(base, name);
      const after = find(head, name);
      return {
        name,
        before: before && resolveSide(base.fleet, before),
        after: after && resolveSide(head.fleet, after),
      };
    });
  }

  const report: DiffReport = {
    base: baseLabel,
    head: against !== undefined ? values.env![0] : head.label,
    environments: pairs.map(({ name, before, after }) => ({
      name,
      systems: reportEnvironment(
        compareEnvironment(name, before, after, policyRules),
        values.objects ?? false,
      ),
    })),
  };
  io.out(
    format === 'json'
      ? JSON.stringify(report, null, 2)
      : format === 'markdown'
        ? formatMarkdown(report)
        : formatText(report),
  );
  return shouldFail(report, failOn as Risk | undefined) ? EXIT.invalid : EXIT.ok;
}

/** Renders, on both sides, only what the model says may differ, then compares the objects. */
function reportEnvironment(delta: EnvironmentDelta, patches: boolean): SystemReport[] {
  const reports: (SystemReport | undefined)[] = [];
  const { platform } = delta;
  const platformObjects = (p: typeof platform.before) =>
    p ? renderPlatformObjects(p.environment, p.hostnames) : [];
  reports.push(
    systemReport(
      PLATFORM,
      platform.changes,
      platform.inputsChanged
        ? compareObjects(platformObjects(platform.before), platformObjects(platform.after), { patches })
        : undefined,
      patches,
    ),
  );
  for (const s of delta.systems) {
    let objects: ObjectDiff | undefined;
    if (s.inputsChanged) {
      objects = compareObjects(
        s.before ? renderSystemObjects(s.before) : [],
        s.after ? renderSystemObjects(s.after) : [],
        { patches },
      );
    }
    reports.push(systemReport(s.name, s.changes, objects, patches));
  }
  return reports.filter((r): r is SystemReport => r !== undefined);
}

function resolveSide(fleet: Fleet, environment: Environment): EnvironmentSide {
  return { environment, systems: fleet.systems.map((s) => resolve(s, environment, fleet)) };
}

function readSide(label: string, paths: DeclarationPaths, envs?: readonly string[]): Side {
  const { fleet, environments } = plan(
    loadDeclarations(paths.systems),
    loadDeclarations(paths.environments),
    {
      environments: envs,
    },
  );
  return { label, fleet, environments };
}

/**
 * The base's declarations, parsed by this toolkit. An environment named with --env may be new in
 * the working copy, so the base is read whole and picked from by name.
 */
function readBase(ref: string, baseDir: string | undefined, head: DeclarationPaths): Side {
  const checkout = baseDir !== undefined ? undefined : checkoutRef(ref, head);
  const paths = checkout?.paths ?? baseDirectory(baseDir!, head);
  const label = baseDir ?? ref;
  try {
    const fleet = parseFleet(loadDeclarations(paths.systems), loadDeclarations(paths.environments), {
      root: paths.root,
      policyRules: policyRuleNames(),
    });
    return { label, fleet, environments: fleet.environments };
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(error.issues.map((i) => ({ ...i, path: `${label}: ${i.path}` })));
    throw error;
  } finally {
    checkout?.dispose();
  }
}
