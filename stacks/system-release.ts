import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { splitFoundation } from './apply-order';

export interface ObjectsReleaseArgs {
  /** The Kubernetes objects, as the charts render them. */
  readonly objects: readonly Record<string, unknown>[];
  /** Do not wait for objects to become ready (a control plane without nodes never gets there). @default false */
  readonly skipAwait?: boolean;
  /** Give up waiting for an object's readiness after this long. @default - the provider's (10 minutes for workloads) */
  readonly awaitTimeoutSeconds?: number;
}

/**
 * One system in one environment, applied as a unit: `pulumi preview` shows one component per
 * system with its objects beneath it. Foundation objects go first, then workloads, routes and
 * everything else; within each group the provider orders CRDs and namespaces first.
 */
export class SystemRelease extends pulumi.ComponentResource {
  readonly namespace: string;

  constructor(
    name: string,
    args: ObjectsReleaseArgs & { namespace: string },
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super('syskit:index:System', name, {}, opts);
    this.namespace = args.namespace;
    const [foundation, rest] = splitFoundation(args.objects);
    const transforms = awaitTimeout(args.awaitTimeoutSeconds);
    const base = new k8s.yaml.v2.ConfigGroup(
      `${name}-foundation`,
      { objs: foundation, skipAwait: args.skipAwait ?? false },
      { parent: this, transforms },
    );
    new k8s.yaml.v2.ConfigGroup(
      `${name}-workloads`,
      { objs: rest, skipAwait: args.skipAwait ?? false },
      { parent: this, dependsOn: [base], transforms },
    );
    this.registerOutputs({ namespace: this.namespace });
  }
}

/**
 * The provider waits for each object's readiness as long as its custom timeouts allow; a
 * transform sets them on every object the ConfigGroups create (they are made by the provider,
 * so only a transform reaches them).
 */
function awaitTimeout(seconds: number | undefined): pulumi.ResourceTransform[] | undefined {
  if (seconds === undefined) return undefined;
  const timeout = `${seconds}s`;
  return [
    ({ props, opts }) => ({
      props,
      opts: { ...opts, customTimeouts: { create: timeout, update: timeout } },
    }),
  ];
}
