import { Cron } from 'croner';

/**
 * Cron schedules as Kubernetes' CronJob accepts them. Kubernetes parses `spec.schedule` with
 * robfig/cron's standard parser: five fields, `*` or `?`, numbers and names (`JAN`, `MON`),
 * ranges, steps and lists, plus the descriptors below; it refuses `TZ=`/`CRON_TZ=` prefixes
 * (the zone goes in `spec.timeZone`), seconds and year fields, and the Quartz extensions
 * (`L`, `W`, `#`) that croner would accept. croner then parses what passed, so a schedule that
 * is well-formed but impossible to read still fails, and it gives the times of the next runs.
 */

/** Descriptors robfig/cron knows, as the five fields they stand for. */
export const CRON_DESCRIPTORS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface Field {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day of week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

/** A parsed schedule: the five fields it runs on (descriptors expanded), or `@every` seconds. */
export type CronSchedule =
  { readonly kind: 'fields'; readonly fields: string } | { readonly kind: 'every'; readonly seconds: number };

/** Why Kubernetes would refuse the schedule, or undefined when it accepts it. */
export function cronProblem(schedule: string): string | undefined {
  const parsed = parseCronSchedule(schedule);
  return typeof parsed === 'string' ? parsed : undefined;
}

/** The schedule, or a message saying what is wrong with it. */
export function parseCronSchedule(schedule: string): CronSchedule | string {
  const text = schedule.trim();
  if (/^(CRON_)?TZ=/.test(text))
    return 'a time zone in the schedule is refused by Kubernetes; write it in timeZone instead';
  if (text.startsWith('@every ')) {
    const seconds = goDurationSeconds(text.slice('@every '.length).trim());
    return seconds === undefined || seconds < 1
      ? `expected "@every <duration>" like "@every 90m", got "${schedule}"`
      : { kind: 'every', seconds };
  }
  if (text.startsWith('@')) {
    const fields = CRON_DESCRIPTORS[text];
    return fields
      ? { kind: 'fields', fields }
      : `unknown descriptor "${text}"; expected one of ${Object.keys(CRON_DESCRIPTORS).join(', ')} or @every <duration>`;
  }
  const parts = text.split(/\s+/);
  if (parts.length !== 5)
    return `expected five fields (minute hour day-of-month month day-of-week), got ${parts.length} in "${schedule}"`;
  for (let i = 0; i < 5; i++) {
    const problem = fieldProblem(parts[i], FIELDS[i]);
    if (problem) return `${FIELDS[i].name} "${parts[i]}": ${problem}`;
  }
  const fields = parts.map((part, i) => forCroner(part, FIELDS[i])).join(' ');
  try {
    new Cron(fields, { paused: true });
  } catch (error) {
    return `not a cron schedule: ${(error as Error).message}`;
  }
  return { kind: 'fields', fields };
}

function fieldProblem(field: string, spec: Field): string | undefined {
  for (const part of field.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return 'more than one "/"';
    if (step !== undefined && !/^[0-9]+$/.test(step)) return `step "${step}" is not a number`;
    if (step !== undefined && Number(step) === 0) return 'a step of 0 never advances';
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `"${range}" is not a value or a range`;
    const values = bounds.map((b) => value(b, spec));
    for (let i = 0; i < values.length; i++) {
      if (values[i] === undefined)
        return `"${bounds[i]}" is not a number${spec.names ? ' or a name' : ''} between ${spec.min} and ${spec.max}`;
    }
    if (values.length === 2 && values[0]! > values[1]!) return `range "${range}" starts after it ends`;
  }
  return undefined;
}

/**
 * The same field in croner's dialect: robfig reads `?` as `*` in any field and `5/15` as
 * `5-<max>/15`; croner refuses both spellings.
 */
function forCroner(field: string, spec: Field): string {
  return field
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/');
      const from = range === '?' ? '*' : range;
      return step !== undefined && !from.includes('-') && from !== '*'
        ? `${from}-${spec.max}/${step}`
        : step === undefined
          ? from
          : `${from}/${step}`;
    })
    .join(',');
}

function value(text: string, spec: Field): number | undefined {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^[0-9]+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= spec.min && n <= spec.max ? n : undefined;
}

/** Go's `time.ParseDuration` for whole units (`90m`, `1h30m`, `45s`), in seconds. */
function goDurationSeconds(text: string): number | undefined {
  if (!/^([0-9]+(h|m|s))+$/.test(text)) return undefined;
  let seconds = 0;
  for (const [, n, unit] of text.matchAll(/([0-9]+)(h|m|s)/g))
    seconds += Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1);
  return seconds;
}

/** Why a CronJob's `timeZone` would be refused, or undefined for an IANA zone name. */
export function timeZoneProblem(zone: string): string | undefined {
  // Kubernetes refuses "Local": the controller's zone is not the declaration's to choose.
  if (zone.toLowerCase() === 'local')
    return 'the controller\'s local zone is refused; name an IANA zone like "Europe/Berlin"';
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; expected an IANA name like "Europe/Berlin" or "UTC"`;
  }
}

/**
 * The shortest time between two runs, in seconds, over the next year of runs (long enough to meet
 * every month and daylight-saving change); how many runs can overlap follows from it.
 */
export function shortestIntervalSeconds(schedule: CronSchedule, timeZone = 'UTC'): number {
  if (schedule.kind === 'every') return schedule.seconds;
  const cron = new Cron(schedule.fields, { paused: true, timezone: timeZone });
  const from = new Date('2026-01-01T00:00:00Z');
  const until = from.getTime() + 366 * 24 * 3600_000;
  let shortest = Infinity;
  let previous: Date | null = cron.nextRun(from);
  // A year of runs every two minutes is 263,520; regular schedules show their shortest gap early.
  for (let runs = 0; previous && previous.getTime() < until && runs < 20_000; runs++) {
    const next: Date | null = cron.nextRun(previous);
    if (!next) break;
    shortest = Math.min(shortest, (next.getTime() - previous.getTime()) / 1000);
    if (shortest <= 60) break;
    previous = next;
  }
  return shortest;
}
