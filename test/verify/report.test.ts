import { expectedFlows, formatReport } from '../../verify';
import { summarize } from '../../verify/report';
import type { FlowResult } from '../../verify/run';
import { nodeFleet } from './node-fleet';

/** Every flow as the declaration expects, except the ones named in `flip`. */
function results(flip: string[] = [], errors: string[] = []): FlowResult[] {
  return expectedFlows(nodeFleet()).map((flow) => {
    const key = `${flow.source.id} -> ${flow.target.id}`;
    if (errors.includes(key)) return { flow, actual: 'error', detail: 'probe pod refused: quota' };
    const flipped = flip.includes(key);
    const actual = flipped ? (flow.expect === 'open' ? 'closed' : 'open') : flow.expect;
    return { flow, address: '10.0.0.20:8080', actual, detail: actual === 'closed' ? 'timeout' : undefined };
  });
}

describe('verify report', () => {
  it('passes when every flow matches the declaration', () => {
    const report = summarize('node-test', results());
    expect(report.ok).toBe(true);
    expect(report.differences).toEqual([]);
    expect(formatReport(report).split('\n')[0]).toBe(
      `verify node-test: all ${report.flows} flows match the declaration`,
    );
  });

  it('names a flow that opened and one that closed, before the matrices', () => {
    const report = summarize(
      'node-test',
      results(['gateway -> ledger/audit', 'shop/orders -> ledger/entries']),
    );
    expect(report.ok).toBe(false);
    expect(report.differences.map((d) => `${d.source} -> ${d.target}: ${d.actual}`)).toEqual([
      'gateway -> ledger/audit: open',
      'shop/orders -> ledger/entries: closed',
    ]);
    const text = formatReport(report);
    expect(text).toContain(
      'gateway -> ledger/audit (10.0.0.20:8080): OPENED, expected closed because ledger/audit has no public route',
    );
    expect(text).toContain(
      'shop/orders -> ledger/entries (10.0.0.20:8080): CLOSED, expected open because shop/orders declares a call to ledger/entries [timeout]',
    );
    expect(text.indexOf('Differences:')).toBeLessThan(text.indexOf('ledger:'));
  });

  it('prints a matrix per system with the differing cells marked', () => {
    const text = formatReport(summarize('node-test', results(['gateway -> ledger/audit'])));
    const ledger = text.slice(text.indexOf('\nledger:'), text.indexOf('\nshop:'));
    expect(ledger.trim().split('\n')).toEqual([
      'ledger:',
      '  from \\ to  audit   entries  other services  dns',
      '  audit      -       closed   closed          open',
      '  entries    closed  -        closed          open',
      '  gateway    OPEN!   closed   -               -',
    ]);
  });

  it('keeps flows it could not check apart from differences', () => {
    const report = summarize('node-test', results([], ['shop/storefront -> shop/orders']));
    expect(report.ok).toBe(false);
    expect(report.differences).toEqual([]);
    expect(report.errors.map((e) => `${e.source} -> ${e.target}: ${e.detail}`)).toEqual([
      'shop/storefront -> shop/orders: probe pod refused: quota',
    ]);
  });
});
