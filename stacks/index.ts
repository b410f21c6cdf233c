/**
 * The program `pulumi up` runs from the repository root (Pulumi.yaml). Stack names follow
 * `syskit up`: `<env>.platform` for an environment's platform, `<env>.<system>` for one system;
 * `syskit:addons: true` makes a stack install the platform add-ons instead. Every stack of an
 * environment shares its settings file, `Pulumi.<env>.yaml` (keys documented in Pulumi.yaml's
 * `config:` and stacks/stack-config.ts); a key set on the stack itself takes precedence.
 * `syskit up`, `preview`, `destroy` and `env` run the same programs through the Automation API
 * and read the same file.
 */
import * as pulumi from '@pulumi/pulumi';
import { parseFleet } from '../model';
import { REPOSITORY_ROOT } from '../model/repository-root';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { PlatformAddons } from './addons';
import { platformProgram, systemProgram } from './program';
import { CONFIG_NAMESPACE, readStackSettings, stackSettings } from './stack-config';
import { parseStackName } from './stack-names';

const config = new pulumi.Config(CONFIG_NAMESPACE);
const stack = pulumi.getStack();
const parsed = parseStackName(stack);
const shared = parsed ? readStackSettings(REPOSITORY_ROOT, parsed.environment) : undefined;
const settings = stackSettings(
  (key) => config.get(key) ?? (shared as Record<string, unknown> | undefined)?.[key],
  `stack ${stack}`,
);
const fleet = parseFleet(loadDeclarations(DEFAULT_SYSTEMS), loadDeclarations(DEFAULT_ENVIRONMENTS));
const environment = fleet.environments.find((e) => e.name === (settings.environment ?? parsed?.environment));
if (!environment) {
  throw new Error(
    `no environment for stack "${stack}"; name it <env>.platform or <env>.<system> with <env> one of ${fleet.environments.map((e) => e.name).join(', ')}, or set syskit:environment`,
  );
}
const args = {
  fleet,
  environment,
  kubeconfig: settings.kubeconfig,
  context: settings.context,
  skipAwait: settings.skipAwait,
  constraints: settings.constraints,
};

module.exports = settings.addons
  ? (new PlatformAddons('addons', { environment }), {})
  : parsed?.part === 'system'
    ? systemProgram({ ...args, system: parsed.system })()
    : platformProgram(args)();
