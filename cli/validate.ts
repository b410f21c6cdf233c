import { ValidationError } from '../model/issues';
import type { Violation } from '../policies/evaluate';
import type { TemplateProblem } from '../policies/template-compile';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, LoadError, loadDeclarations } from '../synth/load';
import { UsageError } from '../synth/errors';
import { EXIT, type Io } from './io';
import { FLEET_HELP, FLEET_OPTIONS, parse } from './options';

export const VALIDATE_HELP = `Usage: syskit validate [options]

Checks every declaration (shapes, names, references, routes), takes the
manifests synth writes, and evaluates them with OPA against the same Rego
policies Gatekeeper enforces in the cluster (policies/). Nothing is written.

A manifest that "syskit synth" wrote to <out> from the same inputs with the same
toolkit, and that still holds what synth wrote there (see
<out>/.syskit-cache/<env>.json), is read from <out>; every other one (not
written yet, out of date, edited by hand) is rendered in memory. A line
"N of M files read from <out> (unchanged since synth)" says how many were read.

Each violation is reported with its rule, environment, kind/namespace/name and
message. Exit 1 when a declaration is invalid, when a violation would be
denied in its environment (enforcement "deny"), or when Gatekeeper would not
compile one of the ConstraintTemplates (same checks as Gatekeeper's
constraint framework, with the same OPA); violations in "dryrun" and "warn"
environments are reported but do not fail the run.

With --manifests, checks the given Kubernetes YAML instead of the systems
(for manifests written by hand or by another tool).

Options:
${FLEET_HELP}
  --out <dir>             synth's output directory to read unchanged manifests from
                          (default: dist)
  --force                 render every manifest, reading nothing from <out>
  --manifests <path>      a YAML file or a directory of them to check instead of the systems
  --json                  print problems and violations as JSON on stdout:
                          {"problems": [{"path", "message"}], "violations": [...], "templates": [...]}`;

export async function validateCommand(args: string[], io: Io): Promise<number> {
  try {
    return await validate(args, io);
  } catch (error) {
    // With --json, a script reads stdout: the problems go there too, then to stderr as usual.
    if (args.includes('--json')) {
      const problems =
        error instanceof ValidationError
          ? error.issues
          : error instanceof UsageError || error instanceof LoadError
            ? [{ path: '(command line)', message: error.message }]
            : undefined;
      if (problems) io.out(JSON.stringify({ problems, violations: [], templates: [] }, null, 2));
    }
    throw error;
  }
}

async function validate(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    ...FLEET_OPTIONS,
    json: { type: 'boolean' },
    manifests: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (values.help) {
    io.out(VALIDATE_HELP);
    return EXIT.ok;
  }
  if (values.manifests !== undefined && (values.out !== undefined || values.force)) {
    throw new UsageError(
      `--${values.force ? 'force' : 'out'} is about synth's output; --manifests checks the given files`,
    );
  }
  const { policyEnvironmentOf } = await import('../policies/policy-environment');
  const { evaluateEnvironments } = await import('../policies/evaluate');
  const { plan } = await import('../synth/plan');
  const { fleetObjects } = await import('../synth/fleet-objects');
  const { checkEachTemplate, isConstraintTemplate } = await import('../policies/template-compile');
  const manifests =
    values.manifests === undefined
      ? undefined
      : await (await import('./manifests')).readManifests(values.manifests);
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
  const templateProblems: Array<TemplateProblem & { environment: string }> = [];
  let denied = 0;
  const outDir = values.out ?? 'dist';
  const found = manifests
    ? undefined
    : await fleetObjects(fleet, envs, selected, { output: values.force ? undefined : outDir });
  for (const w of found?.warnings ?? []) io.err(`syskit: warning: ${outDir}/${w.path}: ${w.message}`);
  const rendered = envs.map((env) => {
    const files = found?.environments.get(env.name) ?? [];
    return { env, files, objects: manifests ?? files.flatMap((f) => f.documents) };
  });
  // Every environment carries the same templates, apart from the environment label: each distinct
  // one is checked once, told apart by what Gatekeeper compiles (its name and spec), and all of
  // them together, in as few OPA runs as they allow.
  const templateKey = (o: Record<string, unknown>) =>
    JSON.stringify([(o.metadata as { name?: unknown } | undefined)?.name, o.spec]);
  const templates = new Map(
    rendered.flatMap(({ objects }) =>
      objects.filter(isConstraintTemplate).map((o) => [templateKey(o), o] as const),
    ),
  );
  // One OPA run for every environment: the process and the Rego's compilation are shared.
  const [templateChecks, violationsByEnv] = await Promise.all([
    checkEachTemplate([...templates.values()]).then((found) => {
      const byKey = new Map([...templates.keys()].map((key, i) => [key, found[i]]));
      return rendered.map(({ objects }) =>
        objects.filter(isConstraintTemplate).flatMap((o) => byKey.get(templateKey(o))!),
      );
    }),
    evaluateEnvironments(rendered.map(({ env, objects }) => ({ objects, env: policyEnvironmentOf(env) }))),
  ]);
  for (const [i, { env, files, objects }] of rendered.entries()) {
    const uncompilable = templateChecks[i];
    const violations = violationsByEnv[i];
    templateProblems.push(...uncompilable.map((p) => ({ ...p, environment: env.name })));
    all.push(...violations);
    denied += violations.filter((v) => v.enforcement === 'deny').length;
    if (values.json) continue;
    for (const p of uncompilable) {
      io.err(`${env.name}: ConstraintTemplate/${p.template}: Gatekeeper would not compile it: ${p.message}`);
    }
    for (const v of violations) {
      const where = `${v.kind}/${v.namespace ? `${v.namespace}/` : ''}${v.name}`;
      io.err(`${v.environment}: [${v.rule}] ${where}: ${v.message} (${v.enforcement})`);
    }
    const systemsCount = files.filter((f) => f.system !== undefined).length;
    const subject = manifests ? 'manifests' : `${systemsCount} system${systemsCount === 1 ? '' : 's'} valid`;
    io.out(
      `${env.name}: ${subject}, ${objects.length} objects, ` +
        `${violations.length} policy violation${violations.length === 1 ? '' : 's'}` +
        (violations.length > 0 ? ` (${[...new Set(violations.map((v) => v.enforcement))].join(', ')})` : ''),
    );
  }
  const files = rendered.flatMap(({ files }) => files);
  const read = files.filter((f) => f.from === 'output').length;
  if (values.json) {
    io.out(JSON.stringify({ problems: [], violations: all, templates: templateProblems }, null, 2));
  } else if (read > 0) {
    io.out(`${read} of ${files.length} files read from ${outDir} (unchanged since synth)`);
  }
  return denied > 0 || templateProblems.length > 0 ? EXIT.invalid : EXIT.ok;
}
