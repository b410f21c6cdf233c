import type { Deployment, Stack } from '@pulumi/pulumi/automation';

/** An operation Pulumi started but never recorded as finished (its process was killed). */
export interface PendingOperation {
  readonly urn: string;
  readonly type: string;
  /** `creating`, `updating`, `deleting`, `reading` or `importing`. */
  readonly operation: string;
}

/** The operations a killed run left pending in a stack's exported state. */
export function pendingOperations(state: Deployment | undefined): PendingOperation[] {
  const pending = (state?.deployment?.pending_operations ?? []) as {
    resource?: { urn?: string; type?: string };
    type?: string;
  }[];
  return pending.map((p) => ({
    urn: p.resource?.urn ?? '',
    type: p.resource?.type ?? '',
    operation: p.type ?? 'unknown',
  }));
}

/**
 * Makes a stack left behind by a killed run safe to apply again. A pending update or delete is
 * settled by reading the object back from the cluster. A pending create is dropped from the
 * state: the next apply creates it again, and with server-side apply creating an object that
 * already exists takes it over with the same field manager, so it is adopted, never duplicated
 * or orphaned. Returns what was pending, for the log.
 */
export async function reconcileInterruptedRun(
  stack: Pick<Stack, 'exportStack' | 'refresh' | 'name'>,
  options: {
    onOutput?: (text: string) => void;
    log?: (line: string) => void;
    /** The stack's state, when the caller has just exported it. @default - exported here */
    state?: Deployment;
  } = {},
): Promise<PendingOperation[]> {
  const pending = pendingOperations(options.state ?? (await stack.exportStack()));
  if (pending.length === 0) return pending;
  // A run still holding the lock also has operations pending; the refresh takes the lock, so
  // it fails (and is retried) until that run ends, and only a dead run's leftovers get here.
  await stack.refresh({ clearPendingCreates: true, onOutput: options.onOutput });
  options.log?.(
    `${stack.name}: an interrupted run had left ${pending.length} operation(s) pending ` +
      `(${summarize(pending)}); read them back from the cluster before applying`,
  );
  return pending;
}

function summarize(pending: readonly PendingOperation[]): string {
  const counts = new Map<string, number>();
  for (const p of pending) counts.set(p.operation, (counts.get(p.operation) ?? 0) + 1);
  return [...counts].map(([op, n]) => `${n} ${op}`).join(', ');
}
