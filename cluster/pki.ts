/**
 * The cluster's certificates (openssl CLI): one CA, the API server's serving certificate, a
 * client certificate per component (its identity for RBAC and the Node authorizer), the
 * service-account signing key pair, and kubeconfigs that embed them.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { KUBERNETES_SERVICE_IP, NODE_IP, NODE_NAME } from './addresses';

/** Client identities: file name -> certificate subject. */
export const CLIENTS = {
  admin: '/O=system:masters/CN=syskit-admin',
  'kube-controller-manager': '/CN=system:kube-controller-manager',
  'kube-scheduler': '/CN=system:kube-scheduler',
  kubelet: `/O=system:nodes/CN=system:node:${NODE_NAME}`,
  'kube-proxy': '/CN=system:kube-proxy',
  'kube-network-policies': '/CN=syskit:kube-network-policies',
} as const;
export type ClientName = keyof typeof CLIENTS;

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

export async function generatePki(pki: string): Promise<void> {
  fs.mkdirSync(pki, { recursive: true, mode: 0o700 });
  const days = '3650';
  const words = (s: string) => s.split(' ');
  await openssl(
    [
      ...words(`req -x509 -newkey rsa:2048 -nodes -sha256 -days ${days} -keyout ca.key -out ca.crt`),
      ...['-subj', '/CN=syskit-local-ca'],
      ...['-addext', 'basicConstraints=critical,CA:TRUE'],
      ...['-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature'],
    ],
    pki,
  );

  // One key and CA-signed certificate; random serials, since the leaves are signed concurrently.
  const leaf = async (name: string, subject: string, ext: string[]) => {
    fs.writeFileSync(path.join(pki, `${name}.ext`), ext.join('\n') + '\n');
    await openssl(
      [...words(`req -new -newkey rsa:2048 -nodes -keyout ${name}.key -out ${name}.csr`), '-subj', subject],
      pki,
    );
    const serial = '0x' + ((randomBytes(1)[0] & 0x7f) | 0x10).toString(16) + randomBytes(15).toString('hex');
    await openssl(
      words(
        `x509 -req -sha256 -days ${days} -in ${name}.csr -CA ca.crt -CAkey ca.key -set_serial ${serial} ` +
          `-out ${name}.crt -extfile ${name}.ext`,
      ),
      pki,
    );
    fs.rmSync(path.join(pki, `${name}.csr`));
  };
  const tlsLeaf = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
  ];
  const client = [...tlsLeaf, 'extendedKeyUsage=clientAuth'];
  const apiserverNames = [
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
    'IP:127.0.0.1',
    `IP:${KUBERNETES_SERVICE_IP}`,
    // The node's components reach the API server through the relay on the node's address.
    `IP:${NODE_IP}`,
  ];
  await Promise.all([
    leaf('apiserver', '/CN=kube-apiserver', [
      ...tlsLeaf,
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${apiserverNames.join(',')}`,
    ]),
    ...Object.entries(CLIENTS).map(([name, subject]) => leaf(name, subject, client)),
    // Service-account token signing key pair (the API server verifies with the public half).
    openssl(words('genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key'), pki).then(() =>
      openssl(words('pkey -in sa.key -pubout -out sa.pub'), pki),
    ),
  ]);
  for (const f of fs.readdirSync(pki)) if (f.endsWith('.key')) fs.chmodSync(path.join(pki, f), 0o600);
}

export function writeKubeconfig(file: string, server: string, pki: string, client: ClientName): void {
  const b64 = (f: string) => fs.readFileSync(path.join(pki, f)).toString('base64');
  const user = /CN=([^/]+)/.exec(CLIENTS[client])![1];
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'syskit-local', cluster: { server, 'certificate-authority-data': b64('ca.crt') } }],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': b64(`${client}.crt`),
          'client-key-data': b64(`${client}.key`),
        },
      },
    ],
    contexts: [{ name: 'syskit-local', context: { cluster: 'syskit-local', user } }],
    'current-context': 'syskit-local',
    preferences: {},
  };
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
}
