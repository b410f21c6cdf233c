import * as fs from 'node:fs';
import * as path from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { parseAllDocuments } from 'yaml';
import { PlatformChart } from '../constructs/platform-chart';
import { SystemChart } from '../constructs/system-chart';
import { fleetHostnames, resolve, type Environment, type Fleet } from '../model';
import { App } from 'cdk8s';
import { PlatformRelease } from './platform-release';
import { SystemRelease } from './system-release';

export interface EnvironmentProgramArgs {
  readonly fleet: Fleet;
  readonly environment: Environment;
  /** Systems to apply. @default - all */
  readonly systems?: readonly string[];
  /** Path to a kubeconfig file. @default - the provider's default (KUBECONFIG, ~/.kube/config) */
  readonly kubeconfig?: string;
  /** kubeconfig context. @default - the current context */
  readonly context?: string;
  /** Do not wait for readiness; for a control plane without nodes. @default false */
  readonly skipAwait?: boolean;
  /** Give up waiting for an object's readiness after this long. @default - the provider's (10 minutes for workloads) */
  readonly awaitTimeoutSeconds?: number;
  /** Apply Gatekeeper constraints (needs Gatekeeper running). @default true */
  readonly constraints?: boolean;
  /** Directory of upstream CRD YAML files to apply first. @default - none */
  readonly crdsDir?: string;
}

export interface EnvironmentOutputs {
  readonly namespaces: string[];
  readonly urls: string[];
  /**
   * Set for ephemeral environments and kept in the stack's state, so `env list` and `env gc`
   * work from the backend alone, without the declarations or a checkout of the branch.
   */
  readonly ephemeral?: { base: string; ttlHours: number; createdAt: string };
}

/**
 * The Pulumi program of one environment: the same charts `syskit synth` writes, built in
 * memory and applied through an explicit Provider. Ephemeral environments apply only their
 * systems; they live on their base's platform.
 */
export function environmentProgram(args: EnvironmentProgramArgs): () => Promise<EnvironmentOutputs> {
  return async () => {
    const env = args.environment;
    const provider = new k8s.Provider('cluster', {
      kubeconfig: args.kubeconfig,
      context: args.context,
      enableServerSideApply: true,
      // Each system names its own namespace; never fall back to the kubeconfig's.
      namespace: undefined,
    });
    const selected = args.systems
      ? args.fleet.systems.filter((s) => args.systems!.includes(s.name))
      : args.fleet.systems;
    const dependsOn: pulumi.Resource[] = [];
    if (!env.ephemeral) {
      const app = new App({ outdir: 'unused' });
      const chart = new PlatformChart(app, 'platform', {
        environment: env,
        hostnames: fleetHostnames(args.fleet.systems, env),
      });
      const platform = new PlatformRelease(
        'platform',
        {
          objects: chart.toJson(),
          skipAwait: args.skipAwait,
          constraints: args.constraints,
          crds: args.crdsDir ? readCrds(args.crdsDir) : undefined,
        },
        { provider },
      );
      dependsOn.push(...platform.ready);
    }
    const namespaces: string[] = [];
    const urls = new Set<string>();
    for (const system of selected) {
      const resolved = resolve(system, env, args.fleet);
      const chart = new SystemChart(new App({ outdir: 'unused' }), system.name, { system: resolved });
      new SystemRelease(
        system.name,
        {
          objects: chart.toJson(),
          namespace: resolved.namespace,
          skipAwait: args.skipAwait,
          awaitTimeoutSeconds: args.awaitTimeoutSeconds,
        },
        { provider, dependsOn },
      );
      namespaces.push(resolved.namespace);
      for (const service of resolved.services)
        for (const route of service.routes) urls.add(`https://${route.host}${route.path}`);
    }
    return {
      namespaces,
      urls: [...urls].sort(),
      ...(env.ephemeral ? { ephemeral: { ...env.ephemeral } } : {}),
    };
  };
}

function readCrds(dir: string): Record<string, unknown>[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8')).map(
        (d) => d.toJSON() as Record<string, unknown>,
      ),
    )
    .filter((o) => o && o.kind === 'CustomResourceDefinition');
}
