import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { deriveEphemeral } from '../../environments/ephemeral';
import { parseFleet, type EnvironmentInput, type Fleet, type SystemInput } from '../../model';

const PR = { name: 'pr-1', createdAt: new Date('2026-11-01T00:00:00Z') };

/**
 * The example systems in every environment as shipped (Istio) and once more on Linkerd, so that
 * each kind syskit can write shows up: Linkerd's policy objects, its egress routes (an http
 * destination is added for its HTTPRoute) and the ephemeral environments of both.
 */
export function everyMeshFleets(): Fleet[] {
  const systems = [commerce, fulfillment, identity];
  const linkerdEnvs: EnvironmentInput[] = environments.map((env) => ({
    ...env,
    mesh: { ...env.mesh, provider: 'linkerd' as const },
  }));
  return [
    parseFleet(systems, [...environments, deriveEphemeral(environments[0], PR)]),
    parseFleet(systems.map(forLinkerd), [...linkerdEnvs, deriveEphemeral(linkerdEnvs[0], PR)]),
  ];
}

/** Linkerd has no external authorization; the first service also calls a plain-HTTP destination. */
function forLinkerd(system: SystemInput): SystemInput {
  return {
    ...system,
    services: Object.fromEntries(
      Object.entries(system.services).map(([name, { authz: _authz, ...service }], i) => [
        name,
        i > 0
          ? service
          : {
              ...service,
              egress: [
                ...(service.egress ?? []),
                { host: 'api.http.example', port: 80, protocol: 'http' as const },
              ],
            },
      ]),
    ),
  };
}
