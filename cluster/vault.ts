/**
 * Vault as a dev-mode server (in memory, unsealed, one root token), built from its Go module and
 * listening on the host's loopback: the Vault the platform's workloads log in to, for tests and
 * local applies of `syskit vault apply`. Everything it holds is gone when it stops.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts, httpGet } from './http-checks';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

export interface RunningVault {
  /** `http://127.0.0.1:<port>`. */
  readonly address: string;
  /** The dev server's root token. */
  readonly token: string;
}

export async function startVault(run: ClusterRun, bin: string): Promise<RunningVault> {
  const [port] = await freePorts(1);
  const address = `http://127.0.0.1:${port}`;
  const token = `root-${randomBytes(12).toString('hex')}`;
  // Merged into the dev server's own configuration. Its path on the command line is also what
  // marks the process as this cluster's (waits and `cluster down` find processes that way).
  const config = path.join(run.dir, 'vault.hcl');
  fs.writeFileSync(config, 'disable_mlock = true\nui = false\n');
  run.start(
    'vault',
    bin,
    [
      'server',
      '-dev',
      `-config=${config}`,
      `-dev-root-token-id=${token}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      // Keep the token out of ~/.vault-token; callers get it from here.
      '-dev-no-store-token',
    ],
    { env: { HOME: run.dir } },
  );
  run.log(`cluster: vault (dev) starting on ${address}`);
  await waitUntil('vault /v1/sys/health', run.timeoutMs, run.processes, async () => {
    const res = await httpGet(`${address}/v1/sys/health`);
    return res.status === 200 || `HTTP ${res.status}: ${res.body.trim()}`;
  });
  run.state.vault = { address, token };
  run.save();
  return { address, token };
}
