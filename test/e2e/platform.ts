/**
 * Helpers for the e2e tests of the platform's admission chain: a control plane with the platform
 * components they need, an environment rendered to a folder, and the syskit CLI as a process.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { startCluster, type Cluster, type PlatformOptions } from '../../cluster';
import { PLATFORM_FILE, renderEnvironment } from '../../synth/engine';
import { plan } from '../../synth/engine';
import { loadDeclarations } from '../../synth/load';
import { constraintCrds } from './constraint-crds';
import { kubectl } from './helpers';

export const ROOT = path.resolve(__dirname, '../..');

/** `dir`: where the cluster lives (default a fresh temp dir), e.g. `<SYSKIT_STATE_DIR>/cluster` to be syskit's local cluster. */
export function startTestCluster(platform: PlatformOptions, dir?: string): Promise<Cluster> {
  const verbose = !!process.env.SYSKIT_E2E_VERBOSE;
  return startCluster({
    dir,
    platform,
    log: verbose ? (line) => process.stderr.write(`${line}\n`) : undefined,
  });
}

export type K8sObject = Record<string, any>;

/** The manifests of one environment, platform first, as `syskit synth` writes them, in memory. */
export function renderedEnvironment(envName: string): { file: string; objects: K8sObject[] }[] {
  const { fleet, environments, systems } = plan(
    loadDeclarations('charts'),
    loadDeclarations('environments'),
    {
      environments: [envName],
    },
  );
  const files = renderEnvironment(fleet, environments[0], systems);
  return [...files]
    .sort((a, b) => (a.file === PLATFORM_FILE ? -1 : b.file === PLATFORM_FILE ? 1 : a.file < b.file ? -1 : 1))
    .map((f) => ({
      file: f.file,
      objects: parseAllDocuments(f.content)
        .map((d) => d.toJSON() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null),
    }));
}

/** The CRDs Gatekeeper would create per template, for clusters where Gatekeeper does not run. */
export async function installConstraintCrds(kubeconfig: string): Promise<void> {
  await kubectl(['apply', '--server-side', '-f', '-'], kubeconfig, {
    input: constraintCrds()
      .map((c) => stringify(c))
      .join('---\n'),
  });
  await kubectl(['wait', '--for=condition=Established', '--timeout=120s', 'crd', '--all'], kubeconfig, {
    timeoutMs: 150_000,
  });
}

export const objectId = (o: K8sObject) =>
  `${o.kind}/${o.metadata?.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata?.name}`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** `syskit <args>` as a process of its own, the way a user runs it; killed after `timeoutMs`. */
export function syskitProcess(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 600_000,
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bin/syskit.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 137 : 1), stdout, stderr, ms: Date.now() - started });
    });
  });
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
