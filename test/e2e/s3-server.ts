/**
 * A local S3-compatible server for tests of Pulumi's S3 state backend: moto in server mode
 * (scripts/tools/moto.sh, from PyPI, cached outside the repository), on a loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { toolPath } from '../../tools/tool-path';
import { waitFor } from './helpers';

export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** A `PULUMI_BACKEND_URL` for a bucket on this server (created on first use). */
  backendUrl(bucket: string): Promise<string>;
  /** Environment a Pulumi process needs to reach it: static test credentials, no instance metadata. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startS3Server(logDir: string): Promise<S3Server> {
  const binary = await toolPath('moto');
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  fs.mkdirSync(logDir, { recursive: true });
  const log = fs.openSync(path.join(logDir, 'moto.log'), 'a');
  const child: ChildProcess = spawn(binary, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', log, log],
  });
  await waitFor(`moto on ${endpoint}`, async () => (await fetch(`${endpoint}/`)).ok, 60_000);
  return {
    endpoint,
    async backendUrl(bucket: string) {
      const created = await fetch(`${endpoint}/${bucket}`, { method: 'PUT' });
      if (!created.ok) throw new Error(`creating bucket ${bucket}: HTTP ${created.status}`);
      return `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}&region=us-east-1&s3ForcePathStyle=true&disable_https=true`;
    },
    env: {
      AWS_ACCESS_KEY_ID: 'test-only',
      AWS_SECRET_ACCESS_KEY: 'test-only',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    },
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
