/**
 * What the declaration says about traffic, flow by flow: for every workload of the fleet, which
 * services it must reach (its declared calls) and which it must not (every other service of the
 * fleet), that DNS resolves, and that an address outside the cluster is closed; for the gateway,
 * that it reaches exactly the services with routes. Pure: from resolved systems only.
 */
import type { ResolvedSystem } from '../model';

export type Expectation = 'open' | 'closed';

/** Where a probe pod runs and whose identity it takes. */
export interface ProbeSource {
  /** `system/workload`, or `gateway`. */
  readonly id: string;
  readonly system?: string;
  readonly namespace: string;
  /** The workload whose labels and service account the probe takes; none for the gateway. */
  readonly workload?: { readonly kind: 'Deployment' | 'CronJob'; readonly name: string };
}

export type FlowTarget =
  | {
      readonly kind: 'service';
      readonly id: string;
      readonly namespace: string;
      readonly name: string;
      readonly port: number;
    }
  | { readonly kind: 'dns'; readonly id: 'dns'; readonly name: string }
  | { readonly kind: 'outside'; readonly id: string; readonly address: string };

export interface ExpectedFlow {
  readonly source: ProbeSource;
  readonly target: FlowTarget;
  readonly expect: Expectation;
  /** Why the declaration expects this, in words. */
  readonly because: string;
}

export interface FlowOptions {
  /** Namespace of the platform's gateway; its pods may reach routed services only. @default 'kong' */
  readonly gatewayNamespace?: string;
  /** An address outside the cluster (`host:port`) every workload must not reach. @default - not checked */
  readonly outside?: string;
  /** A name every pod must resolve. @default 'kubernetes.default' */
  readonly dnsName?: string;
}

export const DEFAULT_GATEWAY_NAMESPACE = 'kong';

export function expectedFlows(systems: readonly ResolvedSystem[], opts: FlowOptions = {}): ExpectedFlow[] {
  const services = systems.flatMap((system) =>
    system.services.map((service) => ({
      kind: 'service' as const,
      id: `${system.name}/${service.name}`,
      namespace: system.namespace,
      name: service.name,
      port: service.port,
      routed: service.routes.length > 0,
    })),
  );
  const flows: ExpectedFlow[] = [];
  for (const system of systems) {
    const workloads = [
      ...system.services.map((w) => ({ w, kind: 'Deployment' as const })),
      ...system.jobs.map((w) => ({ w, kind: 'CronJob' as const })),
    ];
    for (const { w, kind } of workloads) {
      const source: ProbeSource = {
        id: `${system.name}/${w.name}`,
        system: system.name,
        namespace: system.namespace,
        workload: { kind, name: w.name },
      };
      const calls = new Set(w.calls.map((c) => `${c.system}/${c.service}`));
      for (const service of services) {
        if (service.id === source.id) continue;
        const target = serviceTarget(service);
        const declared = calls.has(target.id);
        flows.push({
          source,
          target,
          expect: declared ? 'open' : 'closed',
          because: declared
            ? `${source.id} declares a call to ${target.id}`
            : `no call to ${target.id} is declared`,
        });
      }
      flows.push({
        source,
        target: { kind: 'dns', id: 'dns', name: opts.dnsName ?? 'kubernetes.default' },
        expect: 'open',
        because: 'every pod resolves cluster names',
      });
      if (opts.outside) {
        flows.push({
          source,
          target: { kind: 'outside', id: `outside ${opts.outside}`, address: opts.outside },
          expect: 'closed',
          because: 'nothing outside the cluster is declared',
        });
      }
    }
  }
  const gateway: ProbeSource = {
    id: 'gateway',
    namespace: opts.gatewayNamespace ?? DEFAULT_GATEWAY_NAMESPACE,
  };
  for (const service of services) {
    const target = serviceTarget(service);
    flows.push({
      source: gateway,
      target,
      expect: service.routed ? 'open' : 'closed',
      because: service.routed ? `${target.id} has public routes` : `${target.id} has no public route`,
    });
  }
  return flows;
}

function serviceTarget(s: { id: string; namespace: string; name: string; port: number }): FlowTarget {
  return { kind: 'service', id: s.id, namespace: s.namespace, name: s.name, port: s.port };
}
