import { pendingOperations, reconcileInterruptedRun } from '../../stacks/interrupted-runs';

const state = (pending: object[]) => ({
  version: 3,
  deployment: { resources: [], pending_operations: pending },
});

describe('runs interrupted mid-apply', () => {
  it('reads what a killed run left pending', () => {
    expect(
      pendingOperations(
        state([
          { resource: { urn: 'urn:a', type: 'kubernetes:apps/v1:Deployment' }, type: 'creating' },
          { resource: { urn: 'urn:b', type: 'kubernetes:core/v1:Service' }, type: 'updating' },
        ]),
      ),
    ).toEqual([
      { urn: 'urn:a', type: 'kubernetes:apps/v1:Deployment', operation: 'creating' },
      { urn: 'urn:b', type: 'kubernetes:core/v1:Service', operation: 'updating' },
    ]);
    expect(pendingOperations({ version: 3, deployment: {} })).toEqual([]);
  });

  it('settles pending operations against the cluster before the next apply, and says so', async () => {
    const refresh = jest.fn(async () => ({}) as never);
    const log: string[] = [];
    const stack = {
      name: 'dev.commerce',
      exportStack: async () =>
        state([
          { resource: { urn: 'urn:a', type: 't' }, type: 'creating' },
          { resource: { urn: 'urn:b', type: 't' }, type: 'creating' },
          { resource: { urn: 'urn:c', type: 't' }, type: 'deleting' },
        ]),
      refresh,
    };
    const pending = await reconcileInterruptedRun(stack, { log: (l) => log.push(l) });
    expect(pending).toHaveLength(3);
    expect(refresh).toHaveBeenCalledWith(expect.objectContaining({ clearPendingCreates: true }));
    expect(log).toEqual([
      'dev.commerce: an interrupted run had left 3 operation(s) pending (2 creating, 1 deleting); read them back from the cluster before applying',
    ]);
  });

  it('leaves a cleanly finished stack alone', async () => {
    const refresh = jest.fn();
    await reconcileInterruptedRun({ name: 'dev.commerce', exportStack: async () => state([]), refresh });
    expect(refresh).not.toHaveBeenCalled();
  });

  it('uses the state the caller has just exported instead of exporting it again', async () => {
    const refresh = jest.fn(async () => ({}) as never);
    const exportStack = jest.fn(async () => state([]));
    const pending = await reconcileInterruptedRun(
      { name: 'dev.commerce', exportStack, refresh },
      { state: state([{ resource: { urn: 'urn:a', type: 't' }, type: 'updating' }]) },
    );
    expect(exportStack).not.toHaveBeenCalled();
    expect(pending).toEqual([{ urn: 'urn:a', type: 't', operation: 'updating' }]);
    expect(refresh).toHaveBeenCalled();
  });
});
