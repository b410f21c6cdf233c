/**
 * The program `pulumi up` runs from the repository root (Pulumi.yaml). The stack name is the
 * environment; its settings come from `Pulumi.<stack>.yaml` (keys documented in Pulumi.yaml's
 * `config:` and stacks/stack-config.ts); `syskit:addons: true` makes the stack install the
 * platform add-ons instead. `syskit up`, `preview`, `destroy` and `env` run the same program
 * through the Automation API and read the same file.
 */
import * as pulumi from '@pulumi/pulumi';
import { parseFleet } from '../model';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../synth/load';
import { PlatformAddons } from './addons';
import { environmentProgram } from './program';
import { CONFIG_NAMESPACE, stackSettings } from './stack-config';

const config = new pulumi.Config(CONFIG_NAMESPACE);
const stack = pulumi.getStack();
const settings = stackSettings((key) => config.get(key), `stack ${stack}`);
const fleet = parseFleet(loadDeclarations(DEFAULT_SYSTEMS), loadDeclarations(DEFAULT_ENVIRONMENTS));
const environment = fleet.environments.find((e) => e.name === (settings.environment ?? stack));
if (!environment) {
  throw new Error(
    `no environment "${stack}"; name the stack after one of ${fleet.environments.map((e) => e.name).join(', ')} or set syskit:environment`,
  );
}

module.exports = settings.addons
  ? (new PlatformAddons('addons', { environment }), {})
  : environmentProgram({
      fleet,
      environment,
      kubeconfig: settings.kubeconfig,
      context: settings.context,
      skipAwait: settings.skipAwait,
      constraints: settings.constraints,
    })();
