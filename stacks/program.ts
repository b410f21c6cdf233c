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

type ProgramArgs = Omit<EnvironmentProgramArgs, 'systems'>;

function clusterProvider(args: ProgramArgs): k8s.Provider {
  return new k8s.Provider('cluster', {
    kubeconfig: args.kubeconfig,
    context: args.context,
    enableServerSideApply: true,
    // Each system names its own namespace; never fall back to the kubeconfig's.
    namespace: undefined,
  });
}

function declarePlatform(args: ProgramArgs, provider: k8s.Provider): PlatformRelease {
  const chart = new PlatformChart(new App({ outdir: 'unused' }), 'platform', {
    environment: args.environment,
    hostnames: fleetHostnames(args.fleet.systems, args.environment),
  });
  return new PlatformRelease(
    'platform',
    {
      objects: chart.toJson(),
      skipAwait: args.skipAwait,
      constraints: args.constraints,
      crds: args.crdsDir ? readCrds(args.crdsDir) : undefined,
    },
    { provider },
  );
}

function declareSystems(
  args: ProgramArgs,
  systems: readonly string[] | undefined,
  provider: k8s.Provider,
  dependsOn: pulumi.Resource[],
): EnvironmentOutputs {
  const env = args.environment;
  const selected = systems ? args.fleet.systems.filter((s) => systems.includes(s.name)) : args.fleet.systems;
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
}

/**
 * The program of a long-lived environment's platform stack: gateway, issuers, mesh defaults,
 * Gatekeeper templates and constraints, and the upstream CRDs when asked for.
 */
export function platformProgram(args: ProgramArgs): () => Promise<EnvironmentOutputs> {
  return async () => {
    declarePlatform(args, clusterProvider(args));
    return { namespaces: [], urls: [] };
  };
}

/**
 * The program of one system's stack in a long-lived environment. Each system has a stack of its
 * own, so applying, previewing or destroying one never plans a change to another.
 */
export function systemProgram(args: ProgramArgs & { system: string }): () => Promise<EnvironmentOutputs> {
  return async () => declareSystems(args, [args.system], clusterProvider(args), []);
}

/**
 * Everything of one environment in one program: the platform (long-lived environments only)
 * and then every selected system. Ephemeral environments run this as their one stack; they
 * live on their base's platform, so they apply only their systems.
 */
export function environmentProgram(args: EnvironmentProgramArgs): () => Promise<EnvironmentOutputs> {
  return async () => {
    const provider = clusterProvider(args);
    const dependsOn: pulumi.Resource[] = args.environment.ephemeral
      ? []
      : declarePlatform(args, provider).ready;
    return declareSystems(args, args.systems, provider, dependsOn);
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
