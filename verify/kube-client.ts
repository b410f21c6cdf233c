/**
 * The Kubernetes client `verify` uses: kubectl, with the kubeconfig and context the user names.
 * kubectl is what every platform team already has and trusts against their cluster.
 */
import { execFile } from 'node:child_process';

export interface KubeTarget {
  /** @default - kubectl's own choice (KUBECONFIG, ~/.kube/config) */
  readonly kubeconfig?: string;
  /** @default - the kubeconfig's current context */
  readonly context?: string;
}

export class KubectlError extends Error {}

export class KubeClient {
  constructor(private readonly target: KubeTarget = {}) {}

  run(args: readonly string[], input?: string, timeoutMs = 60_000): Promise<string> {
    const base = [
      ...(this.target.kubeconfig ? ['--kubeconfig', this.target.kubeconfig] : []),
      ...(this.target.context ? ['--context', this.target.context] : []),
    ];
    return new Promise((resolve, reject) => {
      const child = execFile(
        'kubectl',
        [...base, ...args],
        { maxBuffer: 64 << 20, timeout: timeoutMs },
        (err, stdout, stderr) => {
          if (err) reject(new KubectlError(`kubectl ${args.join(' ')}: ${(stderr || err.message).trim()}`));
          else resolve(stdout);
        },
      );
      child.stdin?.end(input ?? '');
    });
  }

  async getJson<T>(args: readonly string[]): Promise<T> {
    return JSON.parse(await this.run([...args, '-o', 'json'])) as T;
  }
}
