/**
 * The policy catalog: the rules in this folder, and the Gatekeeper objects that enforce them in one
 * environment.
 *
 * Each rule is a folder laid out like gatekeeper-library: `src.rego` (the source), `template.yaml`
 * (the ConstraintTemplate carrying that same Rego, plus the helpers of `lib/` it imports as `libs`),
 * `src_test.rego`, and `samples/` with a `suite.yaml` for `gator verify`. What the folder cannot say is
 * how a rule binds to an environment (which objects it selects, which parameters it takes): that is the
 * `bindings` table below, so a new rule is one folder plus one entry here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { load } from 'js-yaml';

/** What the policies need to know about an environment. */
export interface PolicyEnvironment {
  /** The environment's name (`dev`, `prod`, `pr-123`). */
  name: string;
  /** Every HTTPRoute hostname must equal this domain or end with `.<domain>`. */
  domain: string;
  /** Image prefixes workloads may pull from, each ending in `/` (`ghcr.io/acme/`). */
  allowedRegistries: string[];
  /** Which mesh injects the sidecars; decides the injection marker system namespaces must carry. */
  mesh: 'istio' | 'linkerd';
  /** What Gatekeeper does with a violation: record it (`dryrun`), warn the client, or reject the object. */
  enforcement: 'dryrun' | 'warn' | 'deny';
  /**
   * Rules whose enforcement differs from `enforcement`, by rule name.
   * @default - every rule uses `enforcement`
   */
  ruleEnforcement?: Record<string, 'dryrun' | 'warn' | 'deny'>;
  /**
   * Images exempt from the container rules: containers that a mutating webhook injects into every
   * Pod (the mesh proxy, the Vault agent) and that syskit does not control. A trailing `*` makes a
   * prefix (`docker.io/istio/proxyv2:*`).
   * @default - no image is exempt
   */
  exemptImages?: string[];
  /**
   * Whether workload images must carry a digest (`name:tag@sha256:...`), not a tag alone.
   * @default false
   */
  requireDigests?: boolean;
  /**
   * Secret types that may carry literal data in system namespaces, because a controller writes it.
   * @default DEFAULT_ALLOWED_SECRET_TYPES
   */
  allowedSecretTypes?: string[];
}

/** One rule of the catalog, read from its folder. */
export interface PolicyRule {
  /** The folder name, also the Constraint's name (`required-labels`). */
  name: string;
  /** The Constraint kind the template defines (`SyskitRequiredLabels`). */
  kind: string;
  /** The parsed template.yaml. */
  template: Record<string, unknown>;
  /** The Constraint's spec.match. */
  match: Record<string, unknown>;
  /** The Constraint's spec.parameters in an environment; undefined for a rule without parameters. */
  parameters(env: PolicyEnvironment): Record<string, unknown> | undefined;
  /** The rule's Rego (src.rego), as the template carries it. */
  rego: string;
  /** The Rego package of `rego`, always `syskit.rules.<name with _ for ->`. */
  regoPackage: string;
  /** The helper modules of `lib/` the Rego imports, as the template carries them in `libs`. */
  libs: string[];
  /** The kinds the rule reads from `data.inventory`; Gatekeeper must sync them. */
  reads: SyncedKind[];
}

/** A kind Gatekeeper copies into `data.inventory`, as `Config.spec.sync.syncOnly` lists it. */
export interface SyncedKind {
  group: string;
  version: string;
  kind: string;
}

/**
 * Secret types that may carry data by default: the token controller fills service-account tokens,
 * and cert-manager writes the keys of the certificates it issues; neither comes from a manifest.
 */
export const DEFAULT_ALLOWED_SECRET_TYPES: readonly string[] = [
  'kubernetes.io/service-account-token',
  'kubernetes.io/tls',
];

/** The label that makes a Namespace a system namespace; constraints select on it. */
export const SYSTEM_LABEL = 'syskit.io/system';

/** The ownership labels every syskit object carries. */
export const REQUIRED_LABELS: readonly string[] = [
  'syskit.io/owner',
  'syskit.io/system',
  'syskit.io/environment',
];

type KindSelector = { apiGroups: string[]; kinds: string[] };

const inSystemNamespaces = { matchExpressions: [{ key: SYSTEM_LABEL, operator: 'Exists' }] };

/** The workload kinds and the Pods they create; the container rules check all of them. */
const workloadKinds: KindSelector[] = [
  { apiGroups: [''], kinds: ['Pod'] },
  { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] },
  { apiGroups: ['batch'], kinds: ['Job', 'CronJob'] },
];

/** Workloads that keep running; a Job's pods run to completion and take no probes. */
const longRunningKinds: KindSelector[] = [
  { apiGroups: [''], kinds: ['Pod'] },
  { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] },
];

/**
 * The kinds syskit writes into a system namespace. Objects that controllers create there (Pods,
 * ReplicaSets, Jobs of a CronJob, Events, the `kube-root-ca.crt` ConfigMap, operator Secrets) do not
 * carry syskit's labels and are left out, or Gatekeeper would reject them in `deny` environments.
 */
const syskitAuthoredKinds: KindSelector[] = [
  {
    apiGroups: [''],
    kinds: ['Namespace', 'Service', 'ServiceAccount', 'ResourceQuota', 'LimitRange'],
  },
  { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet'] },
  { apiGroups: ['batch'], kinds: ['CronJob'] },
  { apiGroups: ['autoscaling'], kinds: ['HorizontalPodAutoscaler'] },
  { apiGroups: ['policy'], kinds: ['PodDisruptionBudget'] },
  { apiGroups: ['networking.k8s.io'], kinds: ['NetworkPolicy'] },
  { apiGroups: ['rbac.authorization.k8s.io'], kinds: ['Role', 'RoleBinding'] },
  { apiGroups: ['gateway.networking.k8s.io'], kinds: ['HTTPRoute', 'GRPCRoute'] },
  { apiGroups: ['configuration.konghq.com'], kinds: ['KongPlugin'] },
  { apiGroups: ['security.istio.io'], kinds: ['AuthorizationPolicy', 'PeerAuthentication'] },
  { apiGroups: ['monitoring.coreos.com'], kinds: ['ServiceMonitor'] },
  { apiGroups: ['postgresql.cnpg.io'], kinds: ['Cluster'] },
  { apiGroups: ['kafka.strimzi.io'], kinds: ['KafkaTopic', 'KafkaUser'] },
];

function systemScoped(kinds: KindSelector[]): Record<string, unknown> {
  return { kinds, namespaceSelector: inSystemNamespaces };
}

function exemptImages(env: PolicyEnvironment): string[] {
  return [...(env.exemptImages ?? [])];
}

interface RuleBinding {
  readonly match: Record<string, unknown>;
  /** @default - the rule takes no parameters */
  readonly parameters?: (env: PolicyEnvironment) => Record<string, unknown>;
  /** @default - the rule reads nothing from data.inventory */
  readonly reads?: readonly SyncedKind[];
}

/** The names of the catalog's rules, known without reading their folders. */
export function policyRuleNames(): string[] {
  return Object.keys(bindings).sort();
}

const bindings: Record<string, RuleBinding> = {
  'allowed-registries': {
    match: systemScoped(workloadKinds),
    parameters: (env) => ({ registries: [...env.allowedRegistries], exemptImages: exemptImages(env) }),
    // A system's extra registries are an annotation of its Namespace.
    reads: [{ group: '', version: 'v1', kind: 'Namespace' }],
  },
  'container-probes': {
    match: systemScoped(longRunningKinds),
    parameters: (env) => ({ exemptImages: exemptImages(env) }),
  },
  'container-resources': {
    match: systemScoped(workloadKinds),
    parameters: (env) => ({ exemptImages: exemptImages(env) }),
  },
  'container-security-context': {
    match: systemScoped(workloadKinds),
    parameters: (env) => ({ exemptImages: exemptImages(env) }),
  },
  'disruption-budgets': {
    match: systemScoped([{ apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet'] }]),
    reads: [
      { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
      { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
    ],
  },
  'no-external-services': {
    match: systemScoped([{ apiGroups: [''], kinds: ['Service'] }]),
  },
  'no-ingress': {
    match: systemScoped([{ apiGroups: ['networking.k8s.io', 'extensions'], kinds: ['Ingress'] }]),
  },
  'no-literal-secrets': {
    match: systemScoped([{ apiGroups: [''], kinds: ['Secret'] }]),
    parameters: (env) => ({ allowedTypes: [...(env.allowedSecretTypes ?? DEFAULT_ALLOWED_SECRET_TYPES)] }),
  },
  'no-privileged-access': {
    match: systemScoped(workloadKinds),
  },
  'pinned-images': {
    match: systemScoped(workloadKinds),
    parameters: (env) => ({ exemptImages: exemptImages(env), requireDigests: env.requireDigests ?? false }),
  },
  'required-labels': {
    match: systemScoped(syskitAuthoredKinds),
    parameters: () => ({ labels: [...REQUIRED_LABELS] }),
  },
  'route-hostnames': {
    match: systemScoped([{ apiGroups: ['gateway.networking.k8s.io'], kinds: ['HTTPRoute', 'GRPCRoute'] }]),
    parameters: (env) => ({ domain: env.domain }),
  },
  // A Namespace is cluster-scoped: the selector applies to the Namespace's own labels.
  'system-namespaces': {
    match: { kinds: [{ apiGroups: [''], kinds: ['Namespace'] }], labelSelector: inSystemNamespaces },
    parameters: (env) => ({ mesh: env.mesh }),
  },
};

/**
 * The folder holding the rules. `__dirname` in the sources; compiled code looks for the first
 * ancestor with a `policies/` folder that holds the driver.
 */
export function defaultPoliciesDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    for (const candidate of [dir, path.join(dir, 'policies')]) {
      if (fs.existsSync(path.join(candidate, 'driver.rego'))) return candidate;
    }
    if (path.dirname(dir) === dir) throw new Error(`no policies folder with driver.rego above ${__dirname}`);
  }
}

/** The Rego sources a rule's template must carry: its src.rego and the lib modules it imports. */
export function expectedSources(ruleDir: string): { rego: string; libs: string[] } {
  const rego = fs.readFileSync(path.join(ruleDir, 'src.rego'), 'utf8');
  const libsByPackage = readLibs(path.join(path.dirname(ruleDir), 'lib'));
  // Follow imports through the libs too, so a helper that imports another brings it along.
  const needed = new Set<string>();
  const visit = (source: string): void => {
    for (const imported of importedPackages(source)) {
      const pkg = [...libsByPackage.keys()].find((p) => imported === p || imported.startsWith(`${p}.`));
      if (pkg === undefined) {
        throw new Error(`${ruleDir}: import data.${imported} names no package in policies/lib`);
      }
      if (!needed.has(pkg)) {
        needed.add(pkg);
        visit(libsByPackage.get(pkg)!);
      }
    }
  };
  visit(rego);
  return { rego, libs: [...needed].sort().map((pkg) => libsByPackage.get(pkg)!) };
}

function readLibs(libDir: string): Map<string, string> {
  const libs = new Map<string, string>();
  if (!fs.existsSync(libDir)) return libs;
  for (const file of fs.readdirSync(libDir).sort()) {
    if (!file.endsWith('.rego') || file.endsWith('_test.rego')) continue;
    const source = fs.readFileSync(path.join(libDir, file), 'utf8');
    libs.set(packageOf(source, path.join(libDir, file)), source);
  }
  return libs;
}

function packageOf(source: string, file: string): string {
  const match = /^package\s+([\w.]+)\s*$/m.exec(source);
  if (!match) throw new Error(`${file}: expected a "package" line`);
  return match[1];
}

function importedPackages(source: string): string[] {
  return [...source.matchAll(/^import\s+data\.(lib\.[\w.]+)/gm)].map((m) => m[1]);
}

/** The Rego source block of a template: spec.targets[0].code[engine=Rego].source. */
export function templateSource(template: Record<string, unknown>): Record<string, unknown> | undefined {
  const targets = (
    template.spec as { targets?: Array<{ code?: Array<Record<string, unknown>> }> } | undefined
  )?.targets;
  const code = targets?.[0]?.code?.find((c) => c.engine === 'Rego');
  return code?.source as Record<string, unknown> | undefined;
}

/** Parsed templates by their text: the platform chart of every environment reads the catalog again. */
const parsedTemplates = new Map<string, Record<string, unknown>>();

/** A template.yaml parsed once per process and content; each caller gets its own copy. */
function parseTemplate(text: string): Record<string, unknown> {
  let template = parsedTemplates.get(text);
  if (!template) parsedTemplates.set(text, (template = load(text) as Record<string, unknown>));
  return structuredClone(template);
}

/**
 * Reads every rule folder, sorted by name. Throws when a template's Rego differs from its src.rego
 * or libs (run `node bin/run-ts.js policies/sync-templates.ts`), or when a folder has no binding.
 */
export function loadPolicies(dir: string = defaultPoliciesDir()): PolicyRule[] {
  const folders = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'template.yaml')))
    .map((e) => e.name)
    .sort();
  const problems: string[] = [];
  const rules: PolicyRule[] = [];
  for (const name of folders) {
    const ruleDir = path.join(dir, name);
    const binding = bindings[name];
    if (!binding) {
      problems.push(`${name}: no binding in policies/catalog.ts`);
      continue;
    }
    const template = parseTemplate(fs.readFileSync(path.join(ruleDir, 'template.yaml'), 'utf8'));
    const kind = (template.spec as { crd?: { spec?: { names?: { kind?: string } } } }).crd?.spec?.names?.kind;
    if (typeof kind !== 'string') {
      problems.push(`${name}: template.yaml has no spec.crd.spec.names.kind`);
      continue;
    }
    const { rego, libs } = expectedSources(ruleDir);
    const source = templateSource(template);
    if (source?.rego !== rego || JSON.stringify(source?.libs ?? []) !== JSON.stringify(libs)) {
      problems.push(
        `${name}: template.yaml does not carry src.rego and its libs; run policies/sync-templates.ts`,
      );
      continue;
    }
    const regoPackage = packageOf(rego, path.join(ruleDir, 'src.rego'));
    const expectedPackage = `syskit.rules.${name.replace(/-/g, '_')}`;
    if (regoPackage !== expectedPackage) {
      problems.push(`${name}: src.rego must be package ${expectedPackage}, got ${regoPackage}`);
      continue;
    }
    const parameters = binding.parameters;
    rules.push({
      name,
      kind,
      template,
      match: binding.match,
      parameters: (env) => parameters?.(env),
      rego,
      regoPackage,
      libs,
      reads: (binding.reads ?? []).map((k) => ({ ...k })),
    });
  }
  if (problems.length > 0)
    throw new Error(`policies in ${dir} are inconsistent:\n  ${problems.join('\n  ')}`);
  return rules;
}

/** What Gatekeeper does with a violation of `rule` in `env`. */
export function enforcementOf(rule: string, env: PolicyEnvironment): 'dryrun' | 'warn' | 'deny' {
  return env.ruleEnforcement?.[rule] ?? env.enforcement;
}

/** The Constraint that enforces `rule` in `env`, named after the rule. */
export function constraintFor(rule: PolicyRule, env: PolicyEnvironment): Record<string, unknown> {
  const parameters = rule.parameters(env);
  return {
    apiVersion: 'constraints.gatekeeper.sh/v1beta1',
    kind: rule.kind,
    metadata: {
      name: rule.name,
      labels: { 'app.kubernetes.io/managed-by': 'syskit', 'syskit.io/environment': env.name },
    },
    spec: {
      enforcementAction: enforcementOf(rule.name, env),
      match: structuredClone(rule.match),
      ...(parameters === undefined ? {} : { parameters }),
    },
  };
}

/** Gatekeeper's `config.gatekeeper.sh/v1alpha1` Config, as far as syskit writes it. */
export interface GatekeeperConfig {
  apiVersion: 'config.gatekeeper.sh/v1alpha1';
  kind: 'Config';
  metadata: { name: string; namespace: string };
  spec: { sync: { syncOnly: SyncedKind[] } };
}

/**
 * Gatekeeper's Config, syncing into `data.inventory` what the referential rules read. Namespaces are
 * always synced: Gatekeeper resolves `namespaceSelector` against them.
 */
export function gatekeeperConfig(rules: PolicyRule[] = loadPolicies()): GatekeeperConfig {
  const kinds = new Map<string, SyncedKind>();
  for (const k of [{ group: '', version: 'v1', kind: 'Namespace' }, ...rules.flatMap((r) => r.reads)]) {
    kinds.set(`${k.group}/${k.version}/${k.kind}`, k);
  }
  const syncOnly = [...kinds.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
  return {
    apiVersion: 'config.gatekeeper.sh/v1alpha1',
    kind: 'Config',
    metadata: { name: 'config', namespace: 'gatekeeper-system' },
    spec: { sync: { syncOnly } },
  };
}
