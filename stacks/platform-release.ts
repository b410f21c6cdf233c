import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { splitConstraints } from './apply-order';
import type { ObjectsReleaseArgs } from './system-release';

export interface PlatformReleaseArgs extends ObjectsReleaseArgs {
  /**
   * Apply Gatekeeper constraints. Their kinds exist only once Gatekeeper's controller has turned
   * each ConstraintTemplate into a CRD, so a cluster without a running Gatekeeper cannot take them.
   * @default true
   */
  readonly constraints?: boolean;
  /** Upstream CRDs to install first, for clusters whose add-ons do not install them. @default - none */
  readonly crds?: readonly Record<string, unknown>[];
}

/**
 * The cluster-wide objects of one environment: gateway, issuers, mesh defaults, Gatekeeper
 * templates and constraints. Constraints go last, after the templates that define their kinds.
 */
export class PlatformRelease extends pulumi.ComponentResource {
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: PlatformReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('syskit:index:Platform', name, {}, opts);
    const skipAwait = args.skipAwait ?? false;
    const crds = args.crds?.length
      ? [new k8s.yaml.v2.ConfigGroup(`${name}-crds`, { objs: [...args.crds], skipAwait }, { parent: this })]
      : [];
    const [rest, constraints] = splitConstraints(args.objects);
    const base = new k8s.yaml.v2.ConfigGroup(
      `${name}-objects`,
      { objs: rest, skipAwait },
      { parent: this, dependsOn: crds },
    );
    this.ready = [base];
    if (args.constraints ?? true) {
      this.ready.push(
        new k8s.yaml.v2.ConfigGroup(
          `${name}-constraints`,
          { objs: constraints, skipAwait },
          { parent: this, dependsOn: [base] },
        ),
      );
    }
    this.registerOutputs({});
  }
}
