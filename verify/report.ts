/**
 * How a verification reads: the flows that differ from the declaration first, then the flows
 * that could not be checked, then one matrix per system (rows: where traffic starts, columns:
 * where it goes). A cell is what happened; a cell that differs from the declaration is in
 * capitals with a `!`.
 */
import type { FlowResult } from './run';

export interface VerifyReport {
  readonly environment: string;
  readonly ok: boolean;
  readonly flows: number;
  readonly differences: readonly FlowSummary[];
  readonly errors: readonly FlowSummary[];
  readonly results: readonly FlowSummary[];
}

export interface FlowSummary {
  readonly system?: string;
  readonly source: string;
  readonly target: string;
  readonly address?: string;
  readonly expected: 'open' | 'closed';
  readonly actual: 'open' | 'closed' | 'error';
  readonly because: string;
  readonly detail?: string;
}

export function summarize(environment: string, results: readonly FlowResult[]): VerifyReport {
  const rows = results.map((r): FlowSummary => ({
    system:
      r.flow.source.system ?? (r.flow.target.kind === 'service' ? r.flow.target.id.split('/')[0] : undefined),
    source: r.flow.source.id,
    target: r.flow.target.id,
    address: r.address,
    expected: r.flow.expect,
    actual: r.actual,
    because: r.flow.because,
    detail: r.detail,
  }));
  const byKey = (a: FlowSummary, b: FlowSummary) =>
    `${a.source} ${a.target}` < `${b.source} ${b.target}`
      ? -1
      : `${a.source} ${a.target}` > `${b.source} ${b.target}`
        ? 1
        : 0;
  rows.sort(byKey);
  const differences = rows.filter((r) => r.actual !== 'error' && r.actual !== r.expected);
  const errors = rows.filter((r) => r.actual === 'error');
  return {
    environment,
    ok: differences.length === 0 && errors.length === 0,
    flows: rows.length,
    differences,
    errors,
    results: rows,
  };
}

export function formatReport(report: VerifyReport): string {
  const lines: string[] = [];
  const checked = report.flows - report.errors.length;
  lines.push(
    report.ok
      ? `verify ${report.environment}: all ${report.flows} flows match the declaration`
      : `verify ${report.environment}: ${report.differences.length} of ${checked} checked flows differ from the declaration` +
          (report.errors.length ? `, ${report.errors.length} could not be checked` : ''),
  );
  if (report.differences.length > 0) {
    lines.push('', 'Differences:');
    for (const d of report.differences) {
      lines.push(
        `  ${d.source} -> ${d.target}${d.address ? ` (${d.address})` : ''}: ${d.actual === 'open' ? 'OPENED' : 'CLOSED'}, ` +
          `expected ${d.expected} because ${d.because}${d.detail ? ` [${d.detail}]` : ''}`,
      );
    }
  }
  if (report.errors.length > 0) {
    lines.push('', 'Not checked:');
    for (const e of report.errors) lines.push(`  ${e.source} -> ${e.target}: ${e.detail ?? 'unknown error'}`);
  }
  const systems = [...new Set(report.results.map((r) => r.system).filter((s): s is string => !!s))].sort();
  for (const system of systems) lines.push('', ...matrix(system, report.results));
  lines.push(
    '',
    'Cells: open / closed as observed; CAPITALS! differ from the declaration; ERR could not be checked;',
  );
  lines.push(
    '"other services": every service of other systems this system does not call, "closed" when all were.',
  );
  return lines.join('\n');
}

function matrix(system: string, all: readonly FlowSummary[]): string[] {
  const rows = all.filter(
    (r) => r.system === system && (r.source !== 'gateway' || r.target.startsWith(`${system}/`)),
  );
  const sources = [...new Set(rows.map((r) => r.source))].sort((a, b) =>
    a === 'gateway' ? 1 : b === 'gateway' ? -1 : a < b ? -1 : 1,
  );
  const own = [...new Set(rows.filter((r) => r.target.startsWith(`${system}/`)).map((r) => r.target))].sort();
  const calledElsewhere = [
    ...new Set(
      rows
        .filter((r) => r.expected === 'open' && r.target.includes('/') && !r.target.startsWith(`${system}/`))
        .map((r) => r.target),
    ),
  ].sort();
  const special = [...new Set(rows.filter((r) => !r.target.includes('/')).map((r) => r.target))].sort();
  const columns = [...own, ...calledElsewhere, 'other services', ...special];
  const label = (c: string) => (c.startsWith(`${system}/`) ? c.slice(system.length + 1) : c);
  const cell = (source: string, column: string): string => {
    const inColumn =
      column === 'other services'
        ? rows.filter(
            (r) =>
              r.source === source &&
              r.target.includes('/') &&
              !r.target.startsWith(`${system}/`) &&
              !calledElsewhere.includes(r.target),
          )
        : rows.filter((r) => r.source === source && r.target === column);
    if (inColumn.length === 0) return '-';
    if (inColumn.some((r) => r.actual === 'error')) return 'ERR';
    const differing = inColumn.filter((r) => r.actual !== r.expected);
    if (differing.length > 0) return `${differing[0].actual.toUpperCase()}!`;
    return inColumn[0].actual;
  };
  const table = [
    ['from \\ to', ...columns.map(label)],
    ...sources.map((s) => [label(s), ...columns.map((c) => cell(s, c))]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  return [
    `${system}:`,
    ...table.map(
      (row) =>
        '  ' +
        row
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
    ),
  ];
}
