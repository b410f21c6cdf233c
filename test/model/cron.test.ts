import * as path from 'node:path';
import { ScheduledJob } from '../../constructs/scheduled-job';
import dev from '../../environments/dev';
import {
  cronProblem,
  parseCronSchedule,
  parseFleet,
  resolve,
  shortestIntervalSeconds,
  timeZoneProblem,
  ValidationError,
} from '../../model';
import { loadDeclarations } from '../../synth/load';
import { testChart } from '../cdk8s';

describe('cron schedules', () => {
  it.each([
    '0 3 * * *',
    '*/30 * * * *',
    '0 0 ? * MON-FRI',
    '15 2 1,15 jan-jun sun',
    '5/15 * * * *',
    '@midnight',
    '@annually',
    '@yearly',
    '@hourly',
    '@every 90m',
  ])('accepts %s, as Kubernetes does', (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });

  it.each([
    ['99 99 99 99 99', 'minute "99": "99" is not a number between 0 and 59'],
    ['0 0 L * *', 'day of month "L": "L" is not a number between 1 and 31'],
    ['0 0 * * 5#2', 'day of week "5#2": "5#2" is not a number or a name between 0 and 6'],
    ['0 0 * * 7', 'day of week "7": "7" is not a number or a name between 0 and 6'],
    ['5-1 * * * *', 'minute "5-1": range "5-1" starts after it ends'],
    ['*/0 * * * *', 'minute "*/0": a step of 0 never advances'],
    [
      '0 0 3 * * *',
      'expected five fields (minute hour day-of-month month day-of-week), got 6 in "0 0 3 * * *"',
    ],
    [
      'TZ=UTC 0 3 * * *',
      'a time zone in the schedule is refused by Kubernetes; write it in timeZone instead',
    ],
    [
      '@fortnightly',
      'unknown descriptor "@fortnightly"; expected one of @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>',
    ],
    ['@every soon', 'expected "@every <duration>" like "@every 90m", got "@every soon"'],
  ])('refuses %s', (schedule, message) => {
    expect(cronProblem(schedule)).toBe(message);
  });

  it('accepts IANA time zones and refuses others', () => {
    expect(timeZoneProblem('Europe/Berlin')).toBeUndefined();
    expect(timeZoneProblem('UTC')).toBeUndefined();
    expect(timeZoneProblem('Mars/Olympus_Mons')).toBe(
      'unknown time zone "Mars/Olympus_Mons"; expected an IANA name like "Europe/Berlin" or "UTC"',
    );
    expect(timeZoneProblem('Local')).toMatch(/local zone is refused/);
  });

  it('finds the shortest gap between runs', () => {
    const gap = (s: string) => shortestIntervalSeconds(parseCronSchedule(s) as any);
    expect(gap('*/30 * * * *')).toBe(1800);
    expect(gap('0 9,17 * * *')).toBe(8 * 3600);
    expect(gap('@every 45m')).toBe(2700);
    expect(gap('0 0 1 * *')).toBe(28 * 24 * 3600);
  });

  it('reports every refused schedule and zone of a file with its path', () => {
    let issues: string[] = [];
    try {
      parseFleet(loadDeclarations(path.join(__dirname, '../fixtures/cron-schedules.yaml')), [dev]);
    } catch (error) {
      issues = (error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    expect(issues).toEqual([
      'reports.jobs.impossible.schedule: minute "99": "99" is not a number between 0 and 59',
      'reports.jobs.quartz-last-day.schedule: day of month "L": "L" is not a number between 1 and 31',
      'reports.jobs.unknown-zone.timeZone: unknown time zone "Mars/Olympus_Mons"; expected an IANA name like "Europe/Berlin" or "UTC"',
      'reports.jobs.with-seconds.schedule: expected five fields (minute hour day-of-month month day-of-week), got 6 in "0 0 3 * * *"',
      'reports.jobs.zone-in-schedule.schedule: a time zone in the schedule is refused by Kubernetes; write it in timeZone instead',
    ]);
  });

  it('writes the schedule as declared and the time zone into the CronJob', () => {
    const system = {
      name: 'reports',
      owner: 'reports-team',
      description: 'Scheduled reports',
      services: {},
      jobs: {
        nightly: {
          image: 'registry.acme.example/reports/builder:1.0.0',
          schedule: '@midnight',
          timeZone: 'Europe/Berlin',
        },
      },
    };
    const fleet = parseFleet([system], [dev]);
    const resolved = resolve(fleet.systems[0], fleet.environments[0], fleet);
    const chart = testChart();
    new ScheduledJob(chart, 'job', { job: resolved.jobs[0] });
    const cronJob = chart.toJson().find((o: any) => o.kind === 'CronJob');
    expect(cronJob.spec.schedule).toBe('@midnight');
    expect(cronJob.spec.timeZone).toBe('Europe/Berlin');
  });
});
