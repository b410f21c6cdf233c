import { Chart, type ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import type { ResolvedSystem } from '../model';
import { ScheduledJob } from './scheduled-job';
import { ServiceWorkload } from './service-workload';
import { SystemNamespace } from './system-namespace';

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
    for (const service of system.services) {
      new ServiceWorkload(this, `service-${service.name}`, { service });
    }
    for (const job of system.jobs) {
      new ScheduledJob(this, `job-${job.name}`, { job });
    }
  }
}
