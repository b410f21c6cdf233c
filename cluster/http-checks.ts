/** Small HTTP(S) GETs for readiness checks of the cluster's components, and free loopback ports. */
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';

export interface Response {
  readonly status: number;
  readonly body: string;
}

export interface ClientTls {
  readonly ca: Buffer;
  readonly cert: Buffer;
  readonly key: Buffer;
}

function collect(res: http.IncomingMessage, resolve: (r: Response) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
}

export function httpGet(url: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

export function httpsGet(url: string, tls: ClientTls): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...tls, timeout: 5000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

export async function freePorts(n: number): Promise<number[]> {
  // Hold every listener open until all are chosen, so the n ports are distinct.
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const srv = net.createServer();
      await new Promise<void>((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', () => resolve());
      });
      servers.push(srv);
    }
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
