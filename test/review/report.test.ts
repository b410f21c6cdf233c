import { formatMarkdown } from '../../review/markdown-report';
import { shouldFail, systemReport, type DiffReport } from '../../review/report';
import { formatText } from '../../review/text-report';
import type { Change } from '../../review/change';

const change = (risk: Change['risk'], subject = 'shop/orders'): Change => ({
  kind: 'database',
  category: 'security',
  subject,
  before: 'readonly',
  after: 'readwrite',
  risk,
});

const report = (systems: ReturnType<typeof systemReport>[]): DiffReport => ({
  base: 'main',
  head: 'working copy',
  environments: [{ name: 'prod', systems: systems.filter((s) => s !== undefined) }],
});

describe('the report', () => {
  it('leaves out systems with nothing to review; a system with only object changes is info', () => {
    expect(systemReport('shop', [])).toBeUndefined();
    expect(
      systemReport('shop', [], {
        added: {},
        removed: {},
        changed: { Deployment: 1 },
        patches: [],
        changes: [],
      }),
    ).toMatchObject({ risk: 'info', objects: { changed: { Deployment: 1 } } });
    expect(systemReport('shop', [change('low'), change('high'), change('medium')])?.risk).toBe('high');
  });

  it('fails on any change, or only at the --fail-on risk and above', () => {
    const medium = report([systemReport('shop', [change('medium')])]);
    expect(shouldFail(report([]))).toBe(false);
    expect(shouldFail(medium)).toBe(true);
    expect(shouldFail(medium, 'high')).toBe(false);
    expect(shouldFail(medium, 'medium')).toBe(true);
  });

  it('says there is nothing to review', () => {
    expect(formatText(report([]))).toBe('syskit diff: main -> working copy\nnothing to review');
    expect(formatMarkdown(report([]))).toContain('Nothing to review');
  });

  it('puts the summary first and collapses each system', () => {
    const md = formatMarkdown(report([systemReport('shop', [change('high')])]));
    const summary = md.indexOf('| prod | shop | 🔴 high | 1 | 0 | 0 | no object changes |');
    const details = md.indexOf('<details><summary><b>prod / shop</b>: 🔴 high, 1 change</summary>');
    expect(summary).toBeGreaterThan(0);
    expect(details).toBeGreaterThan(summary);
    expect(md).toContain('| 🔴 high | database | `shop/orders` | readonly | readwrite |');
  });

  it("fits GitHub's comment limit: object diffs go first, then whole sections, and it says so", () => {
    const huge = 'x'.repeat(3000);
    const systems = Array.from({ length: 10 }, (_, i) =>
      systemReport(
        `system-${i}`,
        [change('low', `system-${i}/api`)],
        { added: {}, removed: {}, changed: { Deployment: 1 }, patches: [huge], changes: [] },
        true,
      ),
    );
    const md = formatMarkdown(report(systems), 6000);
    expect(md.length).toBeLessThanOrEqual(6000);
    expect(md).toContain('| prod | system-9 |');
    expect(md).toMatch(/_\d+ sections? left out to fit in one comment/);
    const unlimited = formatMarkdown(report(systems));
    expect(unlimited).toContain(huge);
    expect(unlimited).not.toContain('left out');
  });
});
