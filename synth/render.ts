import { App } from 'cdk8s';
import { PlatformChart } from '../constructs/platform-chart';
import { SystemChart } from '../constructs/system-chart';
import type { Environment, ResolvedSystem } from '../model';
import { toYaml } from './yaml-writer';

/**
 * Renders one system in one environment to YAML. Each call builds its own cdk8s App: cdk8s
 * resolves dependencies across the whole App, which grows superlinearly with its size, so one
 * small App per (system, environment) keeps the fleet's cost linear. The objects are those of
 * cdk8s's `synthYaml` (`Chart.toJson` runs the same validations and dependency ordering); only
 * the writer differs (synth/yaml-writer.ts).
 */
export function renderSystem(system: ResolvedSystem): string {
  return toYaml(renderSystemObjects(system));
}

/** Renders to objects, for callers that apply or inspect them without a YAML round trip. */
export function renderSystemObjects(system: ResolvedSystem): Record<string, unknown>[] {
  const app = new App({ outdir: 'unused' });
  const chart = new SystemChart(app, system.name, { system });
  return chart.toJson();
}

/** Renders the cluster-wide objects to objects, for callers that compare them. */
export function renderPlatformObjects(
  environment: Environment,
  hostnames: readonly string[],
): Record<string, unknown>[] {
  const app = new App({ outdir: 'unused' });
  return new PlatformChart(app, 'platform', { environment, hostnames }).toJson();
}

/** Renders the cluster-wide objects of one environment (gateway, mesh defaults, policies). */
export function renderPlatform(environment: Environment, hostnames: readonly string[]): string {
  return toYaml(renderPlatformObjects(environment, hostnames));
}
