import { Chart, type ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import type { ResolvedJob, ResolvedService, ResolvedSystem } from '../model';
import { SystemDatabase } from './database';
import { EventTopics, kafkaClientExtras } from './event-topics';
import { ExternalEgress } from './external-egress';
import { GatewayRoutes } from './gateway-routes';
import { meshProxyExtras } from './mesh-proxy';
import { MeshSecurity } from './mesh-security';
import { SystemNetworkPolicies } from './network-policies';
import { SystemObservability, telemetryExtras } from './observability';
import { authzClients, OpaAuthorizer } from './opa-authorizer';
import { mergePodExtras } from './pod-extras';
import { ScheduledJob } from './scheduled-job';
import { ServiceWorkload } from './service-workload';
import { isStateful, StatefulWorkload } from './stateful-workload';
import { SystemNamespace } from './system-namespace';
import { vaultAgentExtras } from './vault-agent';
import { fillRecommendedLabels, SYSKIT_VERSION } from './recommended-labels';

export interface SystemChartProps extends ChartProps {
  /** The system, resolved for one environment. */
  readonly system: ResolvedSystem;
}

/**
 * Everything one system needs in one environment, in one namespace: the namespace and its
 * guardrails, a workload per service and per job, and the platform integrations derived from
 * what the system declares. Every object carries the system's labels.
 */
export class SystemChart extends Chart {
  readonly system: ResolvedSystem;

  constructor(scope: Construct, id: string, props: SystemChartProps) {
    super(scope, id, {
      ...props,
      namespace: props.system.namespace,
      labels: { ...props.system.labels, ...props.labels },
      disableResourceNameHashes: true,
    });
    const system = props.system;
    this.system = system;

    new SystemNamespace(this, 'Namespace', { system });
    // What the platform adds to each pod: the mesh proxy's size, Vault Agent, OpenTelemetry and
    // Kafka client settings.
    const extras = (w: ResolvedService | ResolvedJob) =>
      mergePodExtras(
        meshProxyExtras(system),
        vaultAgentExtras(system, w),
        telemetryExtras(system, w),
        kafkaClientExtras(system, w),
      );
    for (const service of system.services) {
      const Workload = isStateful(service) ? StatefulWorkload : ServiceWorkload;
      new Workload(this, `service-${service.name}`, {
        service,
        extras: extras(service),
        spreadOverZones: system.environment.cluster.zones,
      });
    }
    for (const job of system.jobs) {
      new ScheduledJob(this, `job-${job.name}`, { job, extras: extras(job) });
    }

    // Data and events: the database, and the topics and Kafka users (in Kafka's namespace).
    if (system.database) new SystemDatabase(this, 'Database', { system });
    new EventTopics(this, 'Events', { system });
    new SystemObservability(this, 'Observability', { system });

    // Traffic: one call graph and the declared routes yield the edge, the mesh and the network rules.
    for (const service of system.services) {
      if (service.routes.length > 0) new GatewayRoutes(this, `routes-${service.name}`, { system, service });
    }
    // The system's OPA, when a service asks the mesh to check its requests there (authz).
    if (authzClients(system).length > 0) new OpaAuthorizer(this, 'Authorizer', { system });
    new MeshSecurity(this, 'Mesh', { system });
    new ExternalEgress(this, 'Egress', { system });
    new SystemNetworkPolicies(this, 'NetworkPolicies', { system });

    // Every object carries app.kubernetes.io/{name,version}: a workload's objects its own,
    // the rest the system's (see fillRecommendedLabels).
    for (const w of [...system.services, ...system.jobs]) {
      for (const id of [`service-${w.name}`, `job-${w.name}`, `routes-${w.name}`]) {
        const scope = this.node.tryFindChild(id);
        if (scope) fillRecommendedLabels(scope, { name: w.name, version: w.version });
      }
    }
    fillRecommendedLabels(this, { name: system.name, version: SYSKIT_VERSION });
  }
}
