import type { Change } from './change';
import { reportRisk, type DiffReport, type SystemReport } from './report';
import type { Risk } from './risk';
import { showFact, showObjects } from './show';

/** GitHub refuses a comment longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

const MARK: Record<Risk, string> = { high: '🔴 high', medium: '🟠 medium', low: '🟡 low', info: '⚪ info' };

/** Table cells: a `|` would end the cell, a newline the row. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => (text === '' ? '' : `\`${text.replace(/`/g, "'")}\``);

function changeRow(c: Change): string {
  return `| ${MARK[c.risk]} | ${c.kind} | ${cell(code(c.subject))} | ${cell(showFact(c.before))} | ${cell(showFact(c.after))} |`;
}

function details(env: string, s: SystemReport, withDiff: boolean): string {
  const n = s.changes.length;
  const lines = [
    `<details><summary><b>${env} / ${s.name}</b>: ${MARK[s.risk]}, ${n} change${n === 1 ? '' : 's'}</summary>`,
    '',
  ];
  if (n > 0) {
    lines.push('| risk | kind | subject | before | after |', '| --- | --- | --- | --- | --- |');
    lines.push(...s.changes.map(changeRow), '');
  }
  lines.push(`Objects: ${showObjects(s.objects)}`, '');
  if (withDiff && s.objects.diff) lines.push('```diff', s.objects.diff, '```', '');
  lines.push('</details>', '');
  return lines.join('\n');
}

/**
 * A pull-request comment: the summary table first, then one collapsed section per system. It stays
 * under GitHub's limit by dropping object diffs first, then whole sections, and says so.
 */
export function formatMarkdown(report: DiffReport, limit = GITHUB_COMMENT_LIMIT): string {
  const title = `### syskit diff: \`${report.base}\` → \`${report.head}\``;
  const risk = reportRisk(report);
  if (risk === undefined) return `${title}\n\nNothing to review: no security, sizing or object changes.\n`;
  const rows = report.environments.flatMap((env) => env.systems.map((s) => ({ env: env.name, s })));
  const summary = [
    title,
    '',
    `**${rows.length} system${rows.length === 1 ? '' : 's'} to review; highest risk: ${MARK[risk]}.**`,
    '',
    '| environment | system | risk | security | sizing | config | objects |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map(({ env, s }) => {
      const count = (category: string) => s.changes.filter((c) => c.category === category).length;
      return `| ${env} | ${s.name} | ${MARK[s.risk]} | ${count('security')} | ${count('sizing')} | ${count('config')} | ${cell(showObjects(s.objects))} |`;
    }),
    '',
  ].join('\n');

  const omittedNote = (n: number) =>
    `_${n} section${n === 1 ? '' : 's'} left out to fit in one comment; run \`syskit diff\` to see everything._\n`;
  const reserve = omittedNote(rows.length).length;
  let body = summary;
  let omitted = 0;
  for (const { env, s } of rows) {
    const full = details(env, s, true);
    const short = details(env, s, false);
    if (body.length + full.length + reserve <= limit) body += `\n${full}`;
    else if (body.length + short.length + reserve <= limit) body += `\n${short}`;
    else omitted++;
  }
  return omitted > 0 ? `${body}\n${omittedNote(omitted)}` : body;
}
