/**
 * Checks manifests against the catalog with the real OPA binary, running the very Rego that
 * Gatekeeper runs in the cluster, so `syskit validate` reports before apply what admission would
 * report after it.
 *
 * One `opa eval` per call, however many environments it checks: each environment's manifests and
 * each rule's match and parameters go in on stdin, every rule's src.rego, the lib modules and
 * `driver.rego` are loaded with `-d`, and the driver selects the objects each Constraint would
 * select and evaluates the rule on each, with `data.inventory` built from the manifests of the
 * kinds Gatekeeper syncs (so the referential rules see the PodDisruptionBudgets beside a
 * Deployment), one environment at a time. A fleet's environments share one process, which starts,
 * reads and compiles the Rego once; most of what is left is evaluating the rules on the objects
 * they select (`opa eval --profile`), and reading the input, of which the objects no rule can
 * read are left out.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { opaEnvironment } from './opa-environment';
import {
  defaultPoliciesDir,
  enforcementOf,
  gatekeeperConfig,
  loadPolicies,
  type PolicyEnvironment,
  type PolicyRule,
} from './catalog';

/** One object that breaks one rule. */
export interface Violation {
  /** The rule's name (`required-labels`). */
  rule: string;
  environment: string;
  kind: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  name: string;
  message: string;
  /** What Gatekeeper does with it in this environment. */
  enforcement: 'dryrun' | 'warn' | 'deny';
}

export interface EvaluateOptions {
  /** @default - the binary `scripts/tools.sh path opa` builds (the pinned version) */
  opaPath?: string;
  /** @default - this folder */
  policiesDir?: string;
}

/** The spec.match fields the driver implements; a constraint that needs another one fails loudly. */
const SUPPORTED_MATCH_FIELDS = new Set(['kinds', 'scope', 'labelSelector', 'namespaceSelector']);

/** Every violation of the catalog's rules among `objects`, all of one environment, sorted. */
export async function evaluate(
  objects: Record<string, unknown>[],
  env: PolicyEnvironment,
  opts: EvaluateOptions = {},
): Promise<Violation[]> {
  const [violations] = await evaluateEnvironments([{ objects, env }], opts);
  return violations;
}

/** The manifests of one environment, to be checked against its rules and enforcement. */
export interface EnvironmentManifests {
  readonly objects: Record<string, unknown>[];
  readonly env: PolicyEnvironment;
}

/**
 * `evaluate` for several environments in one OPA run: the violations of each, in the order given,
 * exactly as `evaluate` finds them for that environment alone.
 */
export async function evaluateEnvironments(
  environments: readonly EnvironmentManifests[],
  opts: EvaluateOptions = {},
): Promise<Violation[][]> {
  if (environments.length === 0) return [];
  const names = environments.map(({ env }) => env.name);
  const twice = names.filter((name, i) => names.indexOf(name) !== i);
  if (twice.length > 0) throw new Error(`each environment may be given once, got ${twice.join(', ')} again`);
  for (const { objects } of environments) assertUnique(objects);
  const policiesDir = opts.policiesDir ?? defaultPoliciesDir();
  const rules = loadPolicies(policiesDir);
  const synced = gatekeeperConfig(rules).spec.sync.syncOnly;
  const seen = readKinds(rules, synced);
  const input = {
    environments: Object.fromEntries(
      environments.map(({ objects, env }) => [
        env.name,
        {
          objects: seen ? objects.filter((o) => seen.has(o.kind as string)) : objects,
          rules: rules.map((rule) => ({
            name: rule.name,
            package: rule.regoPackage.split('.').pop(),
            match: supportedMatch(rule),
            parameters: rule.parameters(env) ?? {},
            referential: rule.reads.length > 0,
          })),
          synced,
        },
      ]),
    ),
  };
  const opa = opts.opaPath ?? (await pinnedOpa());
  const found = await runDriver(opa, regoFiles(policiesDir, rules), input);
  return environments.map(({ env }) => {
    const violations = found[env.name];
    if (!Array.isArray(violations))
      throw new Error(`opa eval returned no violations for environment ${env.name}`);
    return violations
      .map((v): Violation => ({
        rule: v.rule,
        environment: env.name,
        kind: v.kind,
        ...(v.namespace === '' ? {} : { namespace: v.namespace }),
        name: v.name,
        message: v.message,
        enforcement: enforcementOf(v.rule, env),
      }))
      .sort(compareViolations);
  });
}

/** Two manifests for one object would overwrite each other on apply; Gatekeeper's inventory cannot hold both. */
function assertUnique(objects: Record<string, unknown>[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const obj of objects) {
    const metadata = (obj.metadata ?? {}) as { name?: unknown; namespace?: unknown };
    if (
      typeof obj.apiVersion !== 'string' ||
      typeof obj.kind !== 'string' ||
      typeof metadata.name !== 'string'
    ) {
      throw new Error(
        `every object needs apiVersion, kind and metadata.name, got ${JSON.stringify(obj).slice(0, 200)}`,
      );
    }
    const namespace =
      typeof metadata.namespace === 'string' && metadata.namespace !== '' ? `${metadata.namespace}/` : '';
    const id = `${obj.apiVersion} ${obj.kind} ${namespace}${metadata.name}`;
    if (seen.has(id)) duplicates.add(id);
    seen.add(id);
  }
  if (duplicates.size > 0) {
    throw new Error(`each object may appear once, got duplicates: ${[...duplicates].sort().join(', ')}`);
  }
}

/**
 * The kinds of object the driver can read: those a rule's match names, those Gatekeeper syncs into
 * the inventory, and Namespaces (their labels decide namespaceSelector); undefined (every kind)
 * when a rule matches any kind. OPA need not read the others: the ConstraintTemplates alone are a
 * third of a fleet's manifests.
 */
export function readKinds(
  rules: PolicyRule[],
  synced: ReadonlyArray<{ kind: string }>,
): Set<string> | undefined {
  const kinds = new Set(['Namespace', ...synced.map((s) => s.kind)]);
  for (const rule of rules) {
    const selectors = (rule.match.kinds ?? []) as Array<{ kinds?: unknown }>;
    if (selectors.length === 0) return undefined;
    for (const selector of selectors) {
      const names = Array.isArray(selector.kinds) ? (selector.kinds as unknown[]) : [];
      if (names.includes('*')) return undefined;
      for (const name of names) kinds.add(String(name));
    }
  }
  return kinds;
}

function supportedMatch(rule: PolicyRule): Record<string, unknown> {
  const unsupported = Object.keys(rule.match).filter((k) => !SUPPORTED_MATCH_FIELDS.has(k));
  if (unsupported.length > 0) {
    throw new Error(
      `rule ${rule.name}: match field(s) ${unsupported.join(', ')} are not evaluated by policies/driver.rego, ` +
        `expected only ${[...SUPPORTED_MATCH_FIELDS].join(', ')}`,
    );
  }
  return rule.match;
}

/** The Rego the driver needs: every rule, the lib modules, the driver itself; never the tests. */
function regoFiles(policiesDir: string, rules: PolicyRule[]): string[] {
  const libDir = path.join(policiesDir, 'lib');
  const libs = fs.existsSync(libDir)
    ? fs
        .readdirSync(libDir)
        .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
        .sort()
        .map((f) => path.join(libDir, f))
    : [];
  return [
    ...rules.map((rule) => path.join(policiesDir, rule.name, 'src.rego')),
    ...libs,
    path.join(policiesDir, 'driver.rego'),
  ];
}

interface DriverViolation {
  rule: string;
  kind: string;
  namespace: string;
  name: string;
  message: string;
}

function runDriver(
  opa: string,
  files: string[],
  input: unknown,
): Promise<Record<string, DriverViolation[] | undefined>> {
  const args = ['eval', '--format', 'json', '--stdin-input', ...files.flatMap((f) => ['-d', f])];
  args.push('data.syskit.driver.by_environment');
  const json = JSON.stringify(input);
  const options = { maxBuffer: 256 * 1024 * 1024, env: opaEnvironment(json.length) };
  return new Promise((resolve, reject) => {
    const child = execFile(opa, args, options, (error, stdout, stderr) => {
      if (error) {
        reject(
          new Error(`opa eval failed (${opa}): ${opaErrors(stdout) ?? (stderr.trim() || error.message)}`),
        );
        return;
      }
      try {
        const output = JSON.parse(stdout) as { result?: Array<{ expressions: Array<{ value: unknown }> }> };
        const value = output.result?.[0]?.expressions?.[0]?.value;
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          throw new Error(`expected the violations of each environment, got ${stdout.slice(0, 200)}`);
        resolve(value as Record<string, DriverViolation[] | undefined>);
      } catch (e) {
        reject(new Error(`opa eval printed unexpected output: ${(e as Error).message}`));
      }
    });
    child.stdin?.end(json);
  });
}

/** The messages of OPA's JSON error report, without its stack traces. */
function opaErrors(stdout: string): string | undefined {
  try {
    const report = JSON.parse(stdout) as {
      errors?: Array<{ message: string; code?: string; location?: unknown }>;
    };
    return report.errors
      ?.map((e) => `${e.code ?? 'error'}: ${e.message} at ${JSON.stringify(e.location)}`)
      .join('; ');
  } catch {
    return stdout.trim() || undefined;
  }
}

let pinned: Promise<string> | undefined;

/** The OPA binary of `scripts/tools.sh` (built on first use, then cached outside the repository). */
export function pinnedOpa(): Promise<string> {
  pinned ??= new Promise((resolve, reject) => {
    const tools = toolsScript();
    execFile('bash', [tools, 'path', 'opa'], { timeout: 30 * 60 * 1000 }, (error, stdout, stderr) => {
      if (error) {
        pinned = undefined;
        reject(new Error(`building OPA with ${tools} failed: ${stderr.trim() || error.message}`));
      } else {
        resolve(stdout.trim());
      }
    });
  });
  return pinned;
}

/** scripts/tools.sh of this repository: the nearest one above this file. */
function toolsScript(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'scripts', 'tools.sh');
    if (fs.existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`no scripts/tools.sh above ${__dirname}`);
  }
}

const violationOrder: Array<keyof Violation> = ['rule', 'namespace', 'kind', 'name', 'message'];

/** Orders by rule, then namespace (cluster-scoped first), kind, name and message. */
export function compareViolations(a: Violation, b: Violation): number {
  for (const key of violationOrder) {
    const x = String(a[key] ?? '');
    const y = String(b[key] ?? '');
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
