/** The cluster's own objects (DNS, NetworkPolicy enforcement, API endpoints), applied with kubectl. */
import { execFile } from 'node:child_process';

export function kubectl(
  kubeconfig: string,
  args: string[],
  input?: string,
  timeoutMs = 120_000,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, ...args],
      { maxBuffer: 64 << 20, timeout: timeoutMs },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(input ?? '');
  });
}

/** Server-side apply of objects, as the cluster's own field manager. */
export async function applyObjects(kubeconfig: string, objects: readonly object[]): Promise<void> {
  await kubectl(
    kubeconfig,
    ['apply', '--server-side', '--force-conflicts', '--field-manager=syskit-cluster', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
}
