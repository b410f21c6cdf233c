import type { Change } from './change';
import { reportRisk, type DiffReport, type SystemReport } from './report';
import { showFact, showObjects } from './show';

function countsLine(s: SystemReport): string {
  const n = s.changes.length;
  return `${n} change${n === 1 ? '' : 's'}; objects: ${showObjects(s.objects)}`;
}

function changeLine(c: Change): string {
  return `${c.risk.padEnd(6)} ${c.kind.padEnd(18)} ${c.subject}: ${showFact(c.before)} -> ${showFact(c.after)}`;
}

/** The report for a terminal. */
export function formatText(report: DiffReport): string {
  const lines = [`syskit diff: ${report.base} -> ${report.head}`];
  const risk = reportRisk(report);
  if (risk === undefined) return [...lines, 'nothing to review'].join('\n');
  for (const env of report.environments) {
    if (env.systems.length === 0) continue;
    lines.push('', `${env.name}:`);
    for (const s of env.systems) {
      lines.push(`  ${s.name} (${s.risk} risk): ${countsLine(s)}`);
      for (const c of s.changes) lines.push(`    ${changeLine(c)}`);
      if (s.objects.diff) lines.push(...s.objects.diff.split('\n').map((l) => `    ${l}`));
    }
  }
  lines.push('', `highest risk: ${risk}`);
  return lines.join('\n');
}
