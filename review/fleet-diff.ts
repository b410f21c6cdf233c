import type { Environment, ResolvedSystem } from '../model';
import { byText, compareFacts, type Change } from './change';
import { ENVIRONMENT_KINDS } from './environment-kinds';
import { SYSTEM_KINDS } from './system-kinds';

/** One side of a comparison: an environment and every system of the fleet resolved in it. */
export interface EnvironmentSide {
  readonly environment: Environment;
  readonly systems: readonly ResolvedSystem[];
}

/** What changed in one system, and whether its objects need rendering to say more. */
export interface SystemDelta {
  readonly name: string;
  readonly changes: readonly Change[];
  readonly before?: ResolvedSystem;
  readonly after?: ResolvedSystem;
  /** The resolved inputs differ, so the rendered objects may: only these are rendered. */
  readonly inputsChanged: boolean;
}

/** The inputs of an environment's cluster-wide objects (gateway, certificates, policies). */
export interface PlatformInputs {
  readonly environment: Environment;
  /** Every hostname the fleet routes in the environment, sorted. */
  readonly hostnames: readonly string[];
}

export interface EnvironmentDelta {
  readonly name: string;
  readonly platform: {
    readonly changes: readonly Change[];
    readonly before?: PlatformInputs;
    readonly after?: PlatformInputs;
    readonly inputsChanged: boolean;
  };
  readonly systems: readonly SystemDelta[];
}

/**
 * Compares two sides of one environment (or two environments) on the resolved model alone: no
 * rendering. Systems are matched by name; a system on one side only is all added or all removed.
 */
export function compareEnvironment(
  name: string,
  before: EnvironmentSide | undefined,
  after: EnvironmentSide | undefined,
  policyRules: readonly string[],
): EnvironmentDelta {
  const b = new Map((before?.systems ?? []).map((s) => [s.name, s]));
  const a = new Map((after?.systems ?? []).map((s) => [s.name, s]));
  const systems = [...new Set([...b.keys(), ...a.keys()])].sort(byText).map((system): SystemDelta => {
    const sb = b.get(system);
    const sa = a.get(system);
    return {
      name: system,
      changes: compareFacts(SYSTEM_KINDS, sb, sa),
      before: sb,
      after: sa,
      inputsChanged: JSON.stringify(sb) !== JSON.stringify(sa),
    };
  });
  const platformBefore = platformInputs(before);
  const platformAfter = platformInputs(after);
  const scope = (side: EnvironmentSide | undefined) => side && { environment: side.environment, policyRules };
  return {
    name,
    platform: {
      changes: compareFacts(ENVIRONMENT_KINDS, scope(before), scope(after)),
      before: platformBefore,
      after: platformAfter,
      inputsChanged: JSON.stringify(platformBefore) !== JSON.stringify(platformAfter),
    },
    systems,
  };
}

/** An ephemeral environment lives on its base's platform, so it has no platform inputs of its own. */
function platformInputs(side: EnvironmentSide | undefined): PlatformInputs | undefined {
  if (!side || side.environment.ephemeral) return undefined;
  const hostnames = new Set(
    side.systems.flatMap((s) => s.services.flatMap((w) => w.routes.map((r) => r.host))),
  );
  return { environment: side.environment, hostnames: [...hostnames].sort(byText) };
}
