/**
 * The program `pulumi up` runs from the repository root (Pulumi.yaml). Stack names follow
 * `syskit up`: `<env>.platform` for an environment's platform, `<env>.<system>` for one system;
 * `syskit:addons: true` makes a stack install the platform add-ons instead. `syskit up`,
 * `preview`, `destroy` and `env` run the same programs through the Automation API.
 */
import * as pulumi from '@pulumi/pulumi';
import { parseFleet } from '../model';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { PlatformAddons } from './addons';
import { platformProgram, systemProgram } from './program';
import { parseStackName } from './stack-names';

const config = new pulumi.Config('syskit');
const stack = pulumi.getStack();
const parsed = parseStackName(stack);
const fleet = parseFleet(loadDeclarations(DEFAULT_SYSTEMS), loadDeclarations(DEFAULT_ENVIRONMENTS));
const environment = fleet.environments.find(
  (e) => e.name === (config.get('environment') ?? parsed?.environment),
);
if (!environment) {
  throw new Error(
    `no environment for stack "${stack}"; name it <env>.platform or <env>.<system> with <env> one of ${fleet.environments.map((e) => e.name).join(', ')}, or set syskit:environment`,
  );
}
const args = {
  fleet,
  environment,
  kubeconfig: config.get('kubeconfig'),
  context: config.get('context'),
  skipAwait: config.getBoolean('skipAwait') ?? false,
  constraints: config.getBoolean('constraints') ?? true,
};

module.exports = config.getBoolean('addons')
  ? (new PlatformAddons('addons', { environment }), {})
  : parsed?.part === 'system'
    ? systemProgram({ ...args, system: parsed.system })()
    : platformProgram(args)();
