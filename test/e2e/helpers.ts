/**
 * Helpers for e2e tests against the local control plane (cluster/).
 *
 *   let cp: ControlPlane;
 *   beforeAll(async () => { cp = await startTestControlPlane(); await installCrds(cp.kubeconfig); }, SETUP_TIMEOUT_MS);
 *   afterAll(() => cp?.stop(), TEARDOWN_TIMEOUT_MS);
 *
 * The control plane has no kubelet and no scheduler: Pods are admitted but stay Pending. New
 * namespaces get their `default` ServiceAccount from the controller manager a moment after they are
 * created; use `waitForServiceAccount` before creating Pods in them (the ServiceAccount admission
 * plugin refuses Pods until it exists).
 */
import { spawn } from 'node:child_process';
import { startControlPlane, type ControlPlane } from '../../cluster';
import { crdsDir } from '../../tools/upstream-crds';

export type { ControlPlane };

/** beforeAll budget: the first run builds etcd, kube-apiserver and kube-controller-manager from source. */
export const SETUP_TIMEOUT_MS = 45 * 60_000;
export const TEARDOWN_TIMEOUT_MS = 60_000;

/** Start a control plane, logging progress to stderr when SYSKIT_E2E_VERBOSE is set. */
export function startTestControlPlane(): Promise<ControlPlane> {
  const verbose = !!process.env.SYSKIT_E2E_VERBOSE;
  return startControlPlane({ log: verbose ? (line) => process.stderr.write(`${line}\n`) : undefined });
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** Written to kubectl's stdin (use with `-f -`). */
  input?: string;
  /** Return a failed result instead of throwing. */
  allowFailure?: boolean;
  /** Kill kubectl after this long. Default 120 s. */
  timeoutMs?: number;
}

/** Run `kubectl --kubeconfig <kubeconfig> ...args`. Throws (with stderr) on failure unless allowFailure. */
export function kubectl(
  args: string[],
  kubeconfig: string,
  opts: KubectlOptions = {},
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout, stderr };
      if (result.code !== 0 && !opts.allowFailure) {
        reject(new Error(`kubectl ${args.join(' ')} failed (exit ${code ?? signal}):\n${stderr}${stdout}`));
      } else {
        resolve(result);
      }
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** Apply YAML/JSON text with server-side apply. */
export function applyManifest(
  manifest: string,
  kubeconfig: string,
  opts: KubectlOptions = {},
): Promise<KubectlResult> {
  return kubectl(['apply', '--server-side', '--field-manager=syskit-e2e', '-f', '-'], kubeconfig, {
    ...opts,
    input: manifest,
  });
}

/** Poll `check` every `intervalMs` until it returns true; throw naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 60_000,
  intervalMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Wait until `namespace` has its `default` (or the named) ServiceAccount, created by the controller manager. */
export function waitForServiceAccount(
  namespace: string,
  kubeconfig: string,
  name = 'default',
  timeoutMs = 60_000,
): Promise<void> {
  return waitFor(
    `ServiceAccount ${namespace}/${name}`,
    async () =>
      (await kubectl(['get', 'serviceaccount', name, '-n', namespace], kubeconfig, { allowFailure: true }))
        .code === 0,
    timeoutMs,
  );
}

/** Create a namespace with the given labels (server-side apply) and wait for its default ServiceAccount. */
export async function createNamespace(
  name: string,
  kubeconfig: string,
  labels: Record<string, string> = {},
): Promise<void> {
  await applyManifest(
    JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
    kubeconfig,
  );
  await waitForServiceAccount(name, kubeconfig);
}

/**
 * Install the upstream CRDs (every YAML file in `dir`, default `crdsDir()`) with server-side apply
 * and wait until all of them are Established. Returns the names of the CRDs installed.
 */
export async function installCrds(kubeconfig: string, dir?: string): Promise<string[]> {
  const folder = dir ?? (await crdsDir());
  const applied = await kubectl(
    ['apply', '--server-side', '--force-conflicts', '--field-manager=syskit-e2e', '-f', folder, '-o', 'name'],
    kubeconfig,
    { timeoutMs: 300_000 },
  );
  const names = applied.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('customresourcedefinition.apiextensions.k8s.io/'));
  if (names.length === 0) throw new Error(`no CustomResourceDefinitions found in ${folder}`);
  await kubectl(['wait', '--for=condition=Established', '--timeout=180s', ...names], kubeconfig, {
    timeoutMs: 200_000,
  });
  return names.map((n) => n.slice(n.indexOf('/') + 1));
}
