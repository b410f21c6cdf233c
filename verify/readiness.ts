/**
 * Why workloads are not ready: for each pod of the given namespaces that is not Ready, the
 * kubelet's latest warning about it (a failing probe, a crash loop, an image it cannot find) or
 * its container's waiting reason. What an operator would dig out of `kubectl describe` when an
 * apply times out, in one line per pod.
 */
import { KubeClient, type KubeTarget } from './kube-client';

interface PodList {
  items: {
    metadata: { name: string; namespace: string };
    status?: {
      phase?: string;
      conditions?: { type: string; status: string; reason?: string; message?: string }[];
      containerStatuses?: { name: string; state?: { waiting?: { reason?: string; message?: string } } }[];
    };
  }[];
}

interface EventList {
  items: {
    type?: string;
    reason?: string;
    message?: string;
    involvedObject?: { kind?: string; name?: string };
    lastTimestamp?: string;
    eventTime?: string;
  }[];
}

/** One line per unready pod: `<namespace>/<pod>: not ready: <reason>`. */
export async function unreadyPods(namespaces: readonly string[], target: KubeTarget = {}): Promise<string[]> {
  const client = new KubeClient(target);
  const lines: string[] = [];
  for (const ns of namespaces) {
    const [pods, events] = await Promise.all([
      client.getJson<PodList>(['get', 'pods', '-n', ns]).catch(() => ({ items: [] }) as PodList),
      client.getJson<EventList>(['get', 'events', '-n', ns]).catch(() => ({ items: [] }) as EventList),
    ]);
    for (const pod of pods.items) {
      const status = pod.status ?? {};
      if (status.phase === 'Succeeded') continue;
      if (status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const warnings = events.items
        .filter(
          (e) =>
            e.type === 'Warning' &&
            e.involvedObject?.kind === 'Pod' &&
            e.involvedObject.name === pod.metadata.name,
        )
        .sort((a, b) =>
          (a.lastTimestamp ?? a.eventTime ?? '') < (b.lastTimestamp ?? b.eventTime ?? '') ? -1 : 1,
        );
      const latest = warnings[warnings.length - 1];
      const waiting = status.containerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason);
      const unscheduled = status.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
      const why =
        latest?.message?.trim() ??
        (waiting ? `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : undefined) ??
        (unscheduled ? `${unscheduled.reason}: ${unscheduled.message}` : undefined) ??
        `phase ${status.phase ?? 'unknown'}`;
      lines.push(`${ns}/${pod.metadata.name}: not ready: ${why.split('\n')[0]}`);
    }
  }
  return lines;
}
