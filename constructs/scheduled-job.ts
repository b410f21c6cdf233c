import { ApiObject, Cron, Duration, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ResolvedJob } from '../model';
import { componentLabels } from './labels';
import { mergePodExtras, type PodExtras } from './pod-extras';
import { finishWorkloadPod, workloadPodProps } from './workload-pod';

export interface ScheduledJobProps {
  /** The job, resolved for one environment. */
  readonly job: ResolvedJob;
  /** What platform integrations add to the pod (Vault Agent, telemetry). @default - nothing */
  readonly extras?: PodExtras;
}

/**
 * The seed's Job input handler: a CronJob with its own ServiceAccount and the same image rules
 * and pod security as a service. Runs never overlap unless the job says so, and a run that
 * hangs is killed after `activeDeadlineSeconds`.
 */
export class ScheduledJob extends Construct {
  readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: ScheduledJobProps) {
    super(scope, id);
    const job = props.job;
    const extras = mergePodExtras(props.extras);
    const labels = componentLabels(job.name, job.version, 'job');

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: job.serviceAccount, labels },
      automountToken: false,
    });

    this.cronJob = new kplus.CronJob(this, 'Resource', {
      ...workloadPodProps(this, job, extras, serviceAccount),
      metadata: { name: job.name, labels },
      // Replaced below by the schedule as declared; cdk8s's Cron cannot say `@every` or `@midnight`.
      schedule: Cron.daily(),
      timeZone: job.timeZone,
      concurrencyPolicy: job.concurrencyPolicy as kplus.ConcurrencyPolicy,
      activeDeadline: Duration.seconds(job.activeDeadlineSeconds),
      backoffLimit: 2,
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
    });
    finishWorkloadPod(this.cronJob, job, extras, '/spec/jobTemplate/spec/template');
    const cronJob = ApiObject.of(this.cronJob);
    cronJob.addJsonPatch(JsonPatch.replace('/spec/schedule', job.schedule.trim()));
  }
}
