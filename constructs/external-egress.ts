import { Construct } from 'constructs';
import { compare, isCidr, type EgressProtocol, type ResolvedSystem } from '../model';
import { TlsRoute } from './imports/gateway.networking.k8s.io';
import {
  ServiceEntry,
  ServiceEntrySpecLocation,
  ServiceEntrySpecResolution,
  Sidecar,
  SidecarSpecOutboundTrafficPolicyMode,
  type ServiceEntryProps,
} from './imports/networking.istio.io';
import { EgressNetwork, EgressNetworkSpecTrafficPolicy, HttpRouteV1Beta3 } from './imports/policy.linkerd.io';

export interface ExternalEgressProps {
  readonly system: ResolvedSystem;
}

/** Name of the Linkerd EgressNetwork of a system namespace: everything outside the cluster. */
export const OUTSIDE_NETWORK = 'outside';

/** One destination outside the cluster and every port the system's workloads use on it. */
interface Destination {
  readonly host: string;
  readonly ports: readonly { readonly port: number; readonly protocol: EgressProtocol }[];
}

/** The binding spells Istio's enum values with `_UNDERSCORE_` in their member names. */
const OUTBOUND_TRAFFIC_POLICY: Record<
  ResolvedSystem['environment']['mesh']['outboundTrafficPolicy'],
  SidecarSpecOutboundTrafficPolicyMode
> = {
  REGISTRY_ONLY: SidecarSpecOutboundTrafficPolicyMode.REGISTRY_UNDERSCORE_ONLY,
  ALLOW_ANY: SidecarSpecOutboundTrafficPolicyMode.ALLOW_UNDERSCORE_ANY,
};

const ISTIO_PROTOCOL: Record<EgressProtocol, string> = {
  https: 'HTTPS',
  tls: 'TLS',
  http: 'HTTP',
  tcp: 'TCP',
};

/**
 * The mesh's side of a system's calls to destinations outside the cluster, with the environment's
 * outbound traffic policy, so that the mesh refuses any destination no workload declared
 * (`REGISTRY_ONLY`) and lets through exactly the declared ones. The NetworkPolicies open the same
 * ports (see SystemNetworkPolicies); both come from `egress`.
 *
 * Istio: a Sidecar named `default` for the namespace carrying the outbound traffic policy, and one
 * `MESH_EXTERNAL` ServiceEntry per destination, visible to this namespace only. Exact names are
 * resolved by DNS; a wildcard (`*.payments.example`) and a CIDR block match what the workload
 * asks for (`resolution: NONE`), by TLS server name, Host header or address.
 *
 * Linkerd: an EgressNetwork for everything outside the cluster's networks, whose traffic policy
 * denies what no route allows, and a TLSRoute (https, tls: by server name) or an HTTPRoute (http:
 * by host) per destination and port, sending it on to its original destination. Linkerd cannot
 * tell TCP destinations or address blocks apart, so the model refuses those there.
 */
export class ExternalEgress extends Construct {
  constructor(scope: Construct, id: string, props: ExternalEgressProps) {
    super(scope, id);
    const system = props.system;
    const mesh = system.environment.mesh;
    const destinations = destinationsOf(system);
    if (mesh.provider === 'istio') {
      new Sidecar(this, 'sidecar', {
        metadata: { name: 'default' },
        spec: { outboundTrafficPolicy: { mode: OUTBOUND_TRAFFIC_POLICY[mesh.outboundTrafficPolicy] } },
      });
      for (const d of destinations) new ServiceEntry(this, `entry-${d.host}`, serviceEntry(d));
      return;
    }
    new EgressNetwork(this, 'outside', {
      metadata: { name: OUTSIDE_NETWORK },
      spec: {
        trafficPolicy:
          mesh.outboundTrafficPolicy === 'REGISTRY_ONLY'
            ? EgressNetworkSpecTrafficPolicy.DENY
            : EgressNetworkSpecTrafficPolicy.ALLOW,
      },
    });
    for (const d of destinations) {
      for (const { port, protocol } of d.ports) {
        const network = { group: 'policy.linkerd.io', kind: 'EgressNetwork', name: OUTSIDE_NETWORK, port };
        const spec = {
          hostnames: [d.host],
          parentRefs: [network],
          rules: [{ backendRefs: [network] }],
        };
        const props = { metadata: { name: `${egressObjectName(d.host)}-${port}` }, spec };
        const id = `route-${d.host}-${port}`;
        if (protocol === 'http') new HttpRouteV1Beta3(this, id, props);
        else new TlsRoute(this, id, props);
      }
    }
  }
}

/** `egress-api.payments.example`, `egress-wildcard.payments.example`, `egress-203.0.113.0-24`. */
export function egressObjectName(host: string): string {
  return `egress-${host.replace(/^\*/, 'wildcard').replace(/[/:]/g, '-')}`;
}

/** Every destination the system's workloads declare, merged by host, sorted. */
export function destinationsOf(system: ResolvedSystem): Destination[] {
  const byHost = new Map<string, Map<number, EgressProtocol>>();
  for (const w of [...system.services, ...system.jobs]) {
    for (const e of w.egress) {
      const ports = byHost.get(e.host) ?? new Map<number, EgressProtocol>();
      ports.set(e.port, e.protocol);
      byHost.set(e.host, ports);
    }
  }
  return [...byHost.entries()]
    .sort(([a], [b]) => compare(a, b))
    .map(([host, ports]) => ({
      host,
      ports: [...ports.entries()].sort(([a], [b]) => a - b).map(([port, protocol]) => ({ port, protocol })),
    }));
}

function serviceEntry(d: Destination): ServiceEntryProps {
  const block = isCidr(d.host);
  return {
    metadata: { name: egressObjectName(d.host) },
    spec: {
      // A block has no name; the entry needs one, and matches by the addresses alone.
      hosts: [block ? `${egressObjectName(d.host).replace(/\./g, '-')}.external` : d.host],
      ...(block ? { addresses: [d.host] } : {}),
      exportTo: ['.'],
      location: ServiceEntrySpecLocation.MESH_UNDERSCORE_EXTERNAL,
      ports: d.ports.map(({ port, protocol }) => ({
        number: port,
        name: `${protocol}-${port}`,
        protocol: ISTIO_PROTOCOL[protocol],
      })),
      resolution:
        block || d.host.startsWith('*.') ? ServiceEntrySpecResolution.NONE : ServiceEntrySpecResolution.DNS,
    },
  };
}
