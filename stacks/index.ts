/**
 * The program `pulumi up` runs from the repository root (Pulumi.yaml). The stack name is the
 * environment; `syskit:addons: true` makes the stack install the platform add-ons instead.
 * `syskit up`, `preview`, `destroy` and `env` run the same program through the Automation API.
 */
import * as pulumi from '@pulumi/pulumi';
import { parseFleet } from '../model';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { PlatformAddons } from './addons';
import { environmentProgram } from './program';

const config = new pulumi.Config('syskit');
const stack = pulumi.getStack();
const fleet = parseFleet(loadDeclarations(DEFAULT_SYSTEMS), loadDeclarations(DEFAULT_ENVIRONMENTS));
const environment = fleet.environments.find((e) => e.name === (config.get('environment') ?? stack));
if (!environment) {
  throw new Error(
    `no environment "${stack}"; name the stack after one of ${fleet.environments.map((e) => e.name).join(', ')} or set syskit:environment`,
  );
}

module.exports = config.getBoolean('addons')
  ? (new PlatformAddons('addons', { environment }), {})
  : environmentProgram({
      fleet,
      environment,
      kubeconfig: config.get('kubeconfig'),
      context: config.get('context'),
      skipAwait: config.getBoolean('skipAwait') ?? false,
      constraints: config.getBoolean('constraints') ?? true,
    })();
