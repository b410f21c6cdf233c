/**
 * Serving certificates for the platform's webhooks, signed by the cluster's CA (cluster/pki.ts),
 * so the API server trusts them with the same CA bundle it already has and every webhook
 * configuration carries that one bundle.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ServingCertificate {
  /** PEM certificate, key and the CA that signed them. */
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

/**
 * Issue `<outDir>/<certName>` and `<keyName>` (and a copy of the CA as `ca.crt`) for `names`:
 * `127.0.0.1` and `localhost` always, since the API server calls the webhooks by loopback URL.
 */
export async function issueServingCertificate(
  pki: string,
  outDir: string,
  opts: { subject: string; dnsNames?: readonly string[]; certName?: string; keyName?: string },
): Promise<ServingCertificate> {
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const certName = opts.certName ?? 'tls.crt';
  const keyName = opts.keyName ?? 'tls.key';
  const sans = ['IP:127.0.0.1', 'DNS:localhost', ...(opts.dnsNames ?? []).map((d) => `DNS:${d}`)];
  const ext = path.join(outDir, 'serving.ext');
  fs.writeFileSync(
    ext,
    [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${sans.join(',')}`,
    ].join('\n') + '\n',
  );
  const csr = path.join(outDir, 'serving.csr');
  await openssl(
    [
      'req',
      '-new',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyName,
      '-out',
      csr,
      '-subj',
      `/CN=${opts.subject}`,
    ],
    outDir,
  );
  const serial = '0x' + ((randomBytes(1)[0] & 0x7f) | 0x10).toString(16) + randomBytes(15).toString('hex');
  await openssl(
    [
      ...['x509', '-req', '-sha256', '-days', '3650', '-in', csr],
      ...['-CA', path.join(pki, 'ca.crt'), '-CAkey', path.join(pki, 'ca.key'), '-set_serial', serial],
      ...['-out', certName, '-extfile', ext],
    ],
    outDir,
  );
  fs.rmSync(csr);
  fs.rmSync(ext);
  fs.copyFileSync(path.join(pki, 'ca.crt'), path.join(outDir, 'ca.crt'));
  fs.chmodSync(path.join(outDir, keyName), 0o600);
  return {
    cert: fs.readFileSync(path.join(outDir, certName), 'utf8'),
    key: fs.readFileSync(path.join(outDir, keyName), 'utf8'),
    ca: fs.readFileSync(path.join(outDir, 'ca.crt'), 'utf8'),
  };
}
