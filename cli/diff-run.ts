import * as fs from 'node:fs';
import { registerRepositoryCopy } from '../synth/typescript-declarations';
import { parseFleet, resolve, ValidationError, type Environment, type Fleet } from '../model';
import { policyRuleNames } from '../policies/catalog';
import { compareEnvironment, type EnvironmentDelta, type EnvironmentSide } from '../review/fleet-diff';
import { formatMarkdown } from '../review/markdown-report';
import { compareObjects, type ObjectDiff } from '../review/objects';
import { PLATFORM, shouldFail, systemReport, type DiffReport, type SystemReport } from '../review/report';
import { isRisk, RISKS, type Risk } from '../review/risk';
import { formatText } from '../review/text-report';
import { plan } from '../synth/plan';
import { UsageError } from '../synth/errors';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, DeclarationLoadError, loadDeclarations } from '../synth/load';
import {
  baseDirectory,
  checkoutRef,
  repositoryOf,
  type BaseCheckout,
  type DeclarationPaths,
} from './base-declarations';
import { EXIT, type Io } from './io';
import { parse } from './options';

const FORMATS = ['text', 'markdown', 'json'] as const;

interface Side {
  readonly label: string;
  readonly fleet: Fleet;
  readonly environments: readonly Environment[];
}

/** `syskit diff` past its help: loaded only when a diff runs (it renders, so it loads cdk8s). */
export async function runDiff(args: string[], io: Io): Promise<number> {
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
  // With --against-env both environments come from one reading of the working copy. Declarations
  // kept in another repository beside a copy of the model load the copy as the compiled toolkit
  // where it is byte-identical, as the base's do.
  const headRepository = repositoryOf(headPaths.systems);
  const unregister = headRepository ? registerRepositoryCopy(fs.realpathSync(headRepository)) : undefined;
  let head: Side;
  try {
    head = readSide(
      'working copy',
      headPaths,
      against === undefined ? values.env : [...values.env!, against],
    );
  } finally {
    unregister?.();
  }
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

  const deltas = pairs.map(({ name, before, after }) => compareEnvironment(name, before, after, policyRules));
  // Rendering loads cdk8s and the constructs: only when some system's inputs changed.
  const rendersSomething = deltas.some(
    (d) => d.platform.inputsChanged || d.systems.some((s) => s.inputsChanged),
  );
  const renderer = rendersSomething ? await import('../synth/render') : undefined;
  const report: DiffReport = {
    base: baseLabel,
    head: against !== undefined ? values.env![0] : head.label,
    environments: pairs.map(({ name }, i) => ({
      name,
      systems: reportEnvironment(deltas[i], values.objects ?? false, renderer),
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
function reportEnvironment(
  delta: EnvironmentDelta,
  patches: boolean,
  renderer: typeof import('../synth/render') | undefined,
): SystemReport[] {
  const reports: (SystemReport | undefined)[] = [];
  const { platform } = delta;
  const { renderPlatformObjects, renderSystemObjects } = renderer ?? {
    renderPlatformObjects: unrendered,
    renderSystemObjects: unrendered,
  };
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

function unrendered(): never {
  throw new Error("rendering was not loaded: no system's inputs changed");
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
  const label = baseDir ?? ref;
  try {
    if (baseDir !== undefined)
      return withCheckout(baseDirectory(baseDir, head), (paths) => parseBase(paths, label));
    try {
      return withCheckout(checkoutRef(ref, head), (paths) => parseBase(paths, label));
    } catch (error) {
      // A declaration importing more of the tree than its folders and the model: read it all.
      if (!(error instanceof DeclarationLoadError) || !error.causes.some(isMissingModule)) throw error;
      return withCheckout(checkoutRef(ref, head, true), (paths) => parseBase(paths, label));
    }
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(error.issues.map((i) => ({ ...i, path: `${label}: ${i.path}` })));
    throw error;
  }
}

function parseBase(paths: DeclarationPaths, label: string): Side {
  const fleet = parseFleet(loadDeclarations(paths.systems), loadDeclarations(paths.environments), {
    root: paths.root,
    policyRules: policyRuleNames(),
  });
  return { label, fleet, environments: fleet.environments };
}

function withCheckout<T>(checkout: BaseCheckout, read: (paths: DeclarationPaths) => T): T {
  try {
    return read(checkout.paths);
  } finally {
    checkout.dispose();
  }
}

const isMissingModule = (error: unknown) => (error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND';
