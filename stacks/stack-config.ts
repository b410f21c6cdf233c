/**
 * The settings of an environment's stack, kept where Pulumi users look for them: the `config:`
 * schema in Pulumi.yaml documents every key, and `Pulumi.<stack>.yaml` holds one long-lived
 * environment's values. `pulumi up` reads them through `pulumi.Config` (stacks/index.ts);
 * `syskit up` reads the same file (readStackSettings), and its flags take precedence.
 *
 * No Pulumi import here: both readers share the parsing below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';

/** The project name, which Pulumi puts before every config key: `syskit:owner`. */
export const CONFIG_NAMESPACE = 'syskit';

/** Every key the program reads, as Pulumi.yaml's `config:` schema declares it. */
export const STACK_CONFIG = {
  environment: {
    type: 'string',
    description:
      "The environment the stack applies; empty means the <env> of the stack's name (<env>.platform, <env>.<system>).",
    default: '',
  },
  owner: {
    type: 'string',
    description: 'The team that owns the environment, recorded as the stack tag syskit:owner.',
    default: 'platform-team',
  },
  kubeconfig: {
    type: 'string',
    description: 'Path of the target cluster kubeconfig; empty means KUBECONFIG or ~/.kube/config.',
    default: '',
  },
  context: {
    type: 'string',
    description: 'Context of the kubeconfig to use; empty means its current context.',
    default: '',
  },
  skipAwait: {
    type: 'boolean',
    description: 'Do not wait for objects to become ready (a control plane without nodes).',
    default: false,
  },
  constraints: {
    type: 'boolean',
    description: 'Apply the Gatekeeper constraints (needs Gatekeeper running).',
    default: true,
  },
  addons: {
    type: 'boolean',
    description: 'Install the platform add-ons (Helm releases) instead of the environment.',
    default: false,
  },
} as const;

export type StackConfigKey = keyof typeof STACK_CONFIG;

export interface StackSettings {
  /** @default - the <env> of the stack's name */
  readonly environment?: string;
  readonly owner: string;
  /** @default - KUBECONFIG or ~/.kube/config */
  readonly kubeconfig?: string;
  /** @default - the kubeconfig's current context */
  readonly context?: string;
  readonly skipAwait: boolean;
  readonly constraints: boolean;
  readonly addons: boolean;
}

/**
 * Settings from raw config values (`get('owner')` is `syskit:owner`), with the schema's defaults
 * for what is not set. Every bad value is reported at once, naming its key.
 */
export function stackSettings(get: (key: StackConfigKey) => unknown, where: string): StackSettings {
  const problems: string[] = [];
  const text = (key: StackConfigKey): string | undefined => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string')
      problems.push(`${where}: ${CONFIG_NAMESPACE}:${key} expects a string, got ${JSON.stringify(value)}`);
    return String(value);
  };
  const flag = (key: 'skipAwait' | 'constraints' | 'addons'): boolean => {
    const value = get(key);
    if (value === undefined || value === null || value === '') return STACK_CONFIG[key].default;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    problems.push(`${where}: ${CONFIG_NAMESPACE}:${key} expects true or false, got ${JSON.stringify(value)}`);
    return STACK_CONFIG[key].default;
  };
  const settings: StackSettings = {
    environment: text('environment'),
    owner: text('owner') ?? STACK_CONFIG.owner.default,
    kubeconfig: text('kubeconfig'),
    context: text('context'),
    skipAwait: flag('skipAwait'),
    constraints: flag('constraints'),
    addons: flag('addons'),
  };
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return settings;
}

/** The stack settings file of a stack, as Pulumi names it. */
export function stackFile(root: string, stack: string): string {
  return path.join(root, `Pulumi.${stack}.yaml`);
}

/**
 * Reads `Pulumi.<stack>.yaml` the way `pulumi up` would see its `syskit:` keys; a stack without
 * a file (an ephemeral environment) gets the schema's defaults. Keys of other namespaces
 * (`kubernetes:...`) belong to their providers and are left alone.
 */
export function readStackSettings(root: string, stack: string): StackSettings {
  const file = stackFile(root, stack);
  const where = path.basename(file);
  if (!fs.existsSync(file)) return stackSettings(() => undefined, where);
  const document = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as { config?: Record<string, unknown> };
  const config = document.config ?? {};
  const unknown = Object.keys(config).filter(
    (k) => k.startsWith(`${CONFIG_NAMESPACE}:`) && !(k.slice(CONFIG_NAMESPACE.length + 1) in STACK_CONFIG),
  );
  if (unknown.length > 0) {
    throw new Error(
      `${where}: unknown key${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; known: ${Object.keys(
        STACK_CONFIG,
      )
        .map((k) => `${CONFIG_NAMESPACE}:${k}`)
        .join(', ')}`,
    );
  }
  return stackSettings((key) => config[`${CONFIG_NAMESPACE}:${key}`], where);
}

/** Tags every environment's stack carries, so `pulumi stack ls --tag-filter` finds them. */
export function stackTags(
  environment: string,
  settings: Pick<StackSettings, 'owner'>,
): Record<string, string> {
  return { [`${CONFIG_NAMESPACE}:environment`]: environment, [`${CONFIG_NAMESPACE}:owner`]: settings.owner };
}
