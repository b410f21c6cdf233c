/**
 * What Vault needs from the workload cluster, read through kubectl with an explicit kubeconfig:
 * the API server and its CA plus a token reviewer's token, so Vault's Kubernetes auth can check
 * the ServiceAccount tokens workloads log in with; and each system database's owner password,
 * from the Secret CloudNativePG generates (`<cluster>-app`), for Vault's database connection.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import { parse } from 'yaml';
import type { ResolvedSystem } from '../model';
import type { KubernetesReviewer } from './vault-apply';

/** The ServiceAccount Vault reviews tokens as, in the environment's Vault namespace. */
export const TOKEN_REVIEWER = 'vault-token-reviewer';

/** A kubeconfig and, when not its current one, the context to use. */
export interface ClusterAccess {
  readonly kubeconfig: string;
  readonly context?: string;
}

function kubectl(access: ClusterAccess, args: string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', access.kubeconfig, ...(access.context ? ['--context', access.context] : []), ...args],
      { timeout: 60_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kubectl ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      },
    );
    // A command that exits without reading its input closes the pipe first; its exit status says
    // what happened, so the write's EPIPE must not become an uncaught error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/**
 * Create (idempotently) the token reviewer's ServiceAccount with `system:auth-delegator`, and
 * return the API server, its CA and a token of that account, from the kubeconfig's context.
 */
export async function kubernetesReviewer(
  access: ClusterAccess,
  namespace: string,
  durationHours = 24,
): Promise<KubernetesReviewer> {
  const { kubeconfig } = access;
  const config = parse(fs.readFileSync(kubeconfig, 'utf8')) as {
    'current-context'?: string;
    contexts?: Array<{ name: string; context: { cluster: string } }>;
    clusters?: Array<{
      name: string;
      cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string };
    }>;
  };
  const contextName = access.context ?? config['current-context'];
  const context = config.contexts?.find((c) => c.name === contextName);
  const cluster = config.clusters?.find((c) => c.name === context?.context.cluster)?.cluster;
  if (!cluster) throw new Error(`${kubeconfig}: no cluster for context "${contextName ?? ''}"`);
  const caCert = cluster['certificate-authority-data']
    ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8')
    : cluster['certificate-authority']
      ? fs.readFileSync(cluster['certificate-authority'], 'utf8')
      : '';
  if (!caCert) throw new Error(`${kubeconfig}: the cluster has no certificate authority`);
  const objects = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: TOKEN_REVIEWER, namespace } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: `${namespace}-${TOKEN_REVIEWER}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [{ kind: 'ServiceAccount', name: TOKEN_REVIEWER, namespace }],
    },
  ];
  await kubectl(
    access,
    ['apply', '--server-side', '--field-manager=syskit-vault', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  const token = await kubectl(access, [
    ...['create', 'token', TOKEN_REVIEWER, '-n', namespace, `--duration=${durationHours}h`],
  ]);
  return { host: cluster.server, caCert, tokenReviewerJwt: token.trim() };
}

/** Each system database's owner password by namespace, from CloudNativePG's `<cluster>-app` Secret. */
export async function databaseOwnerPasswords(
  access: ClusterAccess,
  systems: readonly ResolvedSystem[],
): Promise<Record<string, string>> {
  const passwords: Record<string, string> = {};
  const problems: string[] = [];
  for (const system of systems) {
    if (!system.database) continue;
    const secret = `${system.database.clusterName}-app`;
    try {
      const out = await kubectl(access, [
        ...['get', 'secret', secret, '-n', system.namespace, '-o', 'jsonpath={.data.password}'],
      ]);
      if (!out) throw new Error('it has no "password" key');
      passwords[system.namespace] = Buffer.from(out, 'base64').toString('utf8');
    } catch (e) {
      problems.push(`Secret ${system.namespace}/${secret}: ${(e as Error).message}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(
      `cannot read the database owner passwords Vault connects with:\n  ${problems.join('\n  ')}`,
    );
  }
  return passwords;
}
