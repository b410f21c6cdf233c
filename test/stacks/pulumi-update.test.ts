import { updateSummary } from '../../stacks/pulumi-update';

const line = (event: object) => JSON.stringify({ sequence: 0, timestamp: 1764500000, ...event });

describe("the change summary of an update's event log", () => {
  it("takes the update's resource counts from its summary event", () => {
    const log = [
      line({ preludeEvent: { config: {} } }),
      line({
        resourcePreEvent: {
          metadata: { op: 'create', urn: 'urn:pulumi:dev.commerce::syskit::kubernetes:core/v1:Namespace::n' },
        },
      }),
      line({ diagnosticEvent: { message: 'mentions "summaryEvent" in passing', severity: 'info' } }),
      line({
        summaryEvent: {
          maybeCorrupt: false,
          durationSeconds: 4,
          resourceChanges: { create: 3, same: 40, update: 1 },
          PolicyPacks: {},
          isPreview: false,
          result: 'succeeded',
        },
      }),
      line({ cancelEvent: {} }),
      '',
    ].join('\n');
    expect(updateSummary(log)).toEqual({ create: 3, same: 40, update: 1 });
  });

  it('ignores a preview summary and a torn line, and finds nothing without an update summary', () => {
    const preview = line({
      summaryEvent: { resourceChanges: { create: 9 }, isPreview: true },
    });
    expect(updateSummary([preview, '{"summaryEvent": {"resourceCh'].join('\n'))).toBeUndefined();
    expect(updateSummary('')).toBeUndefined();
  });

  it('reads a summary of nothing changed as no counts, not as a missing summary', () => {
    expect(updateSummary(line({ summaryEvent: { isPreview: false, resourceChanges: {} } }))).toEqual({});
    expect(updateSummary(line({ summaryEvent: { isPreview: false } }))).toEqual({});
  });

  it('keeps the last update summary when a log holds more than one', () => {
    const log = [
      line({ summaryEvent: { isPreview: false, resourceChanges: { refresh: 5 } } }),
      line({ summaryEvent: { isPreview: false, resourceChanges: { same: 5 } } }),
    ].join('\n');
    expect(updateSummary(log)).toEqual({ same: 5 });
  });
});
