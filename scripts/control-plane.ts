/**
 * A real, local Kubernetes control plane: etcd, kube-apiserver and kube-controller-manager, built
 * from their Go modules by scripts/tools.sh and run as detached processes on loopback ports.
 * There is no kubelet and no scheduler: Pods are admitted (or refused by Pod Security admission)
 * but stay Pending; namespaces finalize and garbage collection works because the controller
 * manager runs.
 *
 *   const cp = await startControlPlane();      // builds the binaries the first time (slow)
 *   // ... kubectl --kubeconfig cp.kubeconfig ...
 *   await cp.stop();                           // or stopControlPlane(cp.dir) from another process
 *
 * Manual use:  npx tsx scripts/control-plane.ts up [dir]   |   npx tsx scripts/control-plane.ts down <dir>
 *
 * Everything lives in one directory: certificates, etcd data, one log file and one pid file per
 * process, the admin kubeconfig (`<dir>/kubeconfig`) and `control-plane.json` (what was started).
 */
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';

export interface ControlPlane {
  /** The directory holding certificates, data, logs, pid files and the kubeconfig. */
  readonly dir: string;
  /** Path of an admin (system:masters) kubeconfig for this control plane. */
  readonly kubeconfig: string;
  /** The API server URL, e.g. https://127.0.0.1:40123. */
  readonly server: string;
  /** Stop every process (SIGTERM, then SIGKILL) and remove `dir`. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Directory to use (created if missing; must not hold a control plane already). Default: a fresh temp dir. */
  dir?: string;
  /** Progress lines (building, starting, ready). Default: discarded. */
  log?: (line: string) => void;
  /** How long to wait for each component to become ready, in ms. Default 120000. */
  readyTimeoutMs?: number;
}

/** The service CIDR of the local cluster; its first address is the `kubernetes` Service. */
export const SERVICE_CLUSTER_IP_RANGE = '10.0.0.0/24';
const KUBERNETES_SERVICE_IP = '10.0.0.1';
const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
const STATE_FILE = 'control-plane.json';
/** Stop order: dependents first. */
const COMPONENTS = ['kube-controller-manager', 'kube-apiserver', 'etcd'] as const;
type Component = (typeof COMPONENTS)[number];

interface State {
  server: string;
  kubeconfig: string;
  etcd: string;
  processes: { name: Component; pid: number; log: string }[];
}

// ---------------------------------------------------------------------------------------------
// Public API

export async function startControlPlane(opts: StartOptions = {}): Promise<ControlPlane> {
  const log = opts.log ?? (() => undefined);
  const timeout = opts.readyTimeoutMs ?? 120_000;
  if (opts.dir && fs.existsSync(path.join(path.resolve(opts.dir), STATE_FILE))) {
    throw new Error(
      `${path.resolve(opts.dir)} already holds a control plane; stop it first (stopControlPlane / "down")`,
    );
  }
  // 1. Binaries (cached by scripts/tools.sh; the first build takes many minutes).
  const bin: Record<Component, string> = {
    etcd: await toolPath('etcd', log),
    'kube-apiserver': await toolPath('kube-apiserver', log),
    'kube-controller-manager': await toolPath('kube-controller-manager', log),
  };
  const dir = prepareDir(opts.dir);
  const started: { name: Component; pid: number; log: string }[] = [];
  try {
    // 2. Ports and certificates.
    const [etcdClientPort, etcdPeerPort, apiPort] = await freePorts(3);
    const server = `https://127.0.0.1:${apiPort}`;
    const etcdUrl = `http://127.0.0.1:${etcdClientPort}`;
    const pki = path.join(dir, 'pki');
    log(`control-plane: generating certificates in ${pki}`);
    await generatePki(pki);
    const kubeconfig = path.join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfig, server, pki, 'admin', 'syskit-admin');
    const kcmKubeconfig = path.join(dir, 'kube-controller-manager.kubeconfig');
    writeKubeconfig(kcmKubeconfig, server, pki, 'kube-controller-manager', 'system:kube-controller-manager');
    const state: State = { server, kubeconfig, etcd: etcdUrl, processes: started };
    const saveState = () =>
      fs.writeFileSync(path.join(dir, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
    saveState();

    // 3. etcd.
    const etcdPeer = `http://127.0.0.1:${etcdPeerPort}`;
    started.push(
      launch(dir, 'etcd', bin.etcd, [
        '--name=syskit',
        `--data-dir=${path.join(dir, 'etcd')}`,
        `--listen-client-urls=${etcdUrl}`,
        `--advertise-client-urls=${etcdUrl}`,
        `--listen-peer-urls=${etcdPeer}`,
        `--initial-advertise-peer-urls=${etcdPeer}`,
        `--initial-cluster=syskit=${etcdPeer}`,
        '--initial-cluster-state=new',
        // A throwaway single-member store: durability across power loss is not worth the fsync cost.
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ]),
    );
    saveState();
    log(`control-plane: etcd starting on ${etcdUrl}`);
    await waitUntil('etcd /health', timeout, started, async () => {
      const res = await httpGet(`${etcdUrl}/health`);
      return res.body.includes('"health":"true"') || `HTTP ${res.status}: ${res.body.trim()}`;
    });

    // 4. kube-apiserver.
    started.push(
      launch(dir, 'kube-apiserver', bin['kube-apiserver'], [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${pki}`,
        `--tls-cert-file=${path.join(pki, 'apiserver.crt')}`,
        `--tls-private-key-file=${path.join(pki, 'apiserver.key')}`,
        `--client-ca-file=${path.join(pki, 'ca.crt')}`,
        '--authorization-mode=Node,RBAC',
        // Privileged containers are allowed by the API server itself, so that Pod Security
        // admission (enabled by default, like every other default admission plugin) decides.
        '--allow-privileged=true',
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
        `--service-account-key-file=${path.join(pki, 'sa.pub')}`,
        `--service-account-signing-key-file=${path.join(pki, 'sa.key')}`,
        // No nodes, so nothing could serve the `kubernetes` Service's endpoints; a loopback
        // endpoint would only be rejected over and over.
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        '--v=1',
      ]),
    );
    saveState();
    log(`control-plane: kube-apiserver starting on ${server}`);
    const clientTls = {
      ca: fs.readFileSync(path.join(pki, 'ca.crt')),
      cert: fs.readFileSync(path.join(pki, 'admin.crt')),
      key: fs.readFileSync(path.join(pki, 'admin.key')),
    };
    await waitUntil('kube-apiserver /readyz', timeout, started, async () => {
      const res = await httpsGet(`${server}/readyz?verbose`, clientTls);
      if (res.status === 200) return true;
      const failing = res.body.split('\n').filter((l) => l.startsWith('[-]'));
      return `HTTP ${res.status}: ${failing.join('; ') || res.body.trim()}`;
    });

    // 5. kube-controller-manager.
    started.push(
      launch(dir, 'kube-controller-manager', bin['kube-controller-manager'], [
        `--kubeconfig=${kcmKubeconfig}`,
        // No HTTPS endpoint of its own: nothing scrapes it, and it needs no port then.
        '--secure-port=0',
        '--leader-elect=false',
        '--use-service-account-credentials=true',
        `--service-account-private-key-file=${path.join(pki, 'sa.key')}`,
        `--root-ca-file=${path.join(pki, 'ca.crt')}`,
        `--cluster-signing-cert-file=${path.join(pki, 'ca.crt')}`,
        `--cluster-signing-key-file=${path.join(pki, 'ca.key')}`,
        `--service-cluster-ip-range=${SERVICE_CLUSTER_IP_RANGE}`,
        '--cluster-name=syskit-local',
        // Keep it out of /usr/libexec (it creates the folder when missing).
        `--flex-volume-plugin-dir=${path.join(dir, 'flexvolume')}`,
        // Every default controller (namespace, garbage collector, service accounts, workloads,
        // quotas, ...) except those that only make sense with nodes or a cloud.
        '--controllers=*,-node-ipam-controller,-node-lifecycle-controller,-cloud-node-lifecycle-controller,-service-lb-controller,-node-route-controller',
        '--v=1',
      ]),
    );
    saveState();
    log('control-plane: kube-controller-manager starting');
    // The service-account controller creating `default/default` proves the controller manager
    // is up and talking to the API server (and Pods can be created in new namespaces).
    await waitUntil(
      'kube-controller-manager (ServiceAccount default/default)',
      timeout,
      started,
      async () => {
        const res = await httpsGet(`${server}/api/v1/namespaces/default/serviceaccounts/default`, clientTls);
        return res.status === 200 || `HTTP ${res.status}`;
      },
    );
    log(`control-plane: ready at ${server} (kubeconfig ${kubeconfig})`);

    return { dir, kubeconfig, server, stop: () => stopControlPlane(dir) };
  } catch (err) {
    // Leave nothing running; keep the directory (its logs) for a look, named in the error.
    await Promise.all(started.map((p) => terminate(p.pid, dir)));
    const msg = err instanceof Error ? err.message : String(err);
    throw new Error(`${msg}\n(control plane not started; logs kept in ${dir}, remove it when done)`, {
      cause: err,
    });
  }
}

/**
 * Stop the processes recorded in `dir` (by the pid files a startControlPlane wrote there, even from
 * another process) and remove `dir`. Does nothing if `dir` does not exist. Refuses to remove a
 * directory that does not look like a control plane's.
 */
export async function stopControlPlane(dir: string): Promise<void> {
  dir = path.resolve(dir);
  if (!fs.existsSync(dir)) return;
  if (!fs.existsSync(path.join(dir, STATE_FILE)) && !COMPONENTS.some((c) => fs.existsSync(pidFile(dir, c)))) {
    throw new Error(
      `${dir} does not look like a control plane directory (no ${STATE_FILE}); not removing it`,
    );
  }
  for (const name of COMPONENTS) {
    const file = pidFile(dir, name);
    if (!fs.existsSync(file)) continue;
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) await terminate(pid, dir);
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Directory, binaries, ports

function prepareDir(dir: string | undefined): string {
  if (!dir) return fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-control-plane-'));
  dir = path.resolve(dir);
  fs.mkdirSync(dir, { recursive: true });
  if (fs.existsSync(path.join(dir, STATE_FILE))) {
    throw new Error(`${dir} already holds a control plane; stop it first (stopControlPlane / "down")`);
  }
  return dir;
}

/** scripts/tools.sh, found next to this file or (when compiled elsewhere) in a parent's scripts/. */
function toolsScript(): string {
  for (let d = __dirname; ; d = path.dirname(d)) {
    for (const candidate of [path.join(d, 'tools.sh'), path.join(d, 'scripts', 'tools.sh')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(d) === d) throw new Error(`scripts/tools.sh not found above ${__dirname}`);
  }
}

/** `scripts/tools.sh path <tool>`: builds the tool the first time, streaming its build log to `log`. */
export function toolPath(tool: string, log: (line: string) => void = () => undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    // Several test files starting control planes at once must not each build the same tool:
    // serialize on a lock file next to the cache when `flock` (util-linux) is there.
    const cache = process.env.SYSKIT_TOOLS_CACHE || path.join(os.homedir(), '.cache', 'syskit', 'tools');
    const command = ['bash', toolsScript(), 'path', tool];
    if (hasFlock()) {
      fs.mkdirSync(cache, { recursive: true });
      command.unshift('flock', path.join(cache, `.${tool}.lock`));
    }
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const stderrTail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log(line);
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const bin = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && bin && fs.existsSync(bin)) resolve(bin);
      else
        reject(new Error(`scripts/tools.sh path ${tool} failed (exit ${code}):\n${stderrTail.join('\n')}`));
    });
  });
}

let flockAvailable: boolean | undefined;
function hasFlock(): boolean {
  if (flockAvailable === undefined) {
    flockAvailable = (process.env.PATH ?? '')
      .split(path.delimiter)
      .some((d) => d !== '' && fs.existsSync(path.join(d, 'flock')));
  }
  return flockAvailable;
}

async function freePorts(n: number): Promise<number[]> {
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

// ---------------------------------------------------------------------------------------------
// Certificates (openssl CLI) and kubeconfigs

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { cwd }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`openssl ${args.join(' ')} failed: ${stderr || err.message}`));
      else resolve();
    });
  });
}

async function generatePki(pki: string): Promise<void> {
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
  ];
  await Promise.all([
    leaf('apiserver', '/CN=kube-apiserver', [
      ...tlsLeaf,
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${apiserverNames.join(',')}`,
    ]),
    leaf('admin', '/O=system:masters/CN=syskit-admin', client),
    leaf('kube-controller-manager', '/CN=system:kube-controller-manager', client),
    // Service-account token signing key pair (the API server verifies with the public half).
    openssl(words('genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out sa.key'), pki).then(() =>
      openssl(words('pkey -in sa.key -pubout -out sa.pub'), pki),
    ),
  ]);
  for (const f of fs.readdirSync(pki)) if (f.endsWith('.key')) fs.chmodSync(path.join(pki, f), 0o600);
}

function writeKubeconfig(file: string, server: string, pki: string, certName: string, user: string): void {
  const b64 = (f: string) => fs.readFileSync(path.join(pki, f)).toString('base64');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'syskit-local', cluster: { server, 'certificate-authority-data': b64('ca.crt') } }],
    users: [
      {
        name: user,
        user: {
          'client-certificate-data': b64(`${certName}.crt`),
          'client-key-data': b64(`${certName}.key`),
        },
      },
    ],
    contexts: [{ name: 'syskit-local', context: { cluster: 'syskit-local', user } }],
    'current-context': 'syskit-local',
    preferences: {},
  };
  fs.writeFileSync(file, stringify(config), { mode: 0o600 });
}

// ---------------------------------------------------------------------------------------------
// Processes

function pidFile(dir: string, name: Component): string {
  return path.join(dir, `${name}.pid`);
}

/** Start `bin` detached (its own process group, surviving this process), logging to `<dir>/<name>.log`. */
function launch(
  dir: string,
  name: Component,
  bin: string,
  args: string[],
): { name: Component; pid: number; log: string } {
  const logFile = path.join(dir, `${name}.log`);
  const fd = fs.openSync(logFile, 'a');
  try {
    const child = spawn(bin, args, { cwd: dir, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${bin}`);
    // Exit status is read from /proc by the waits below; an error event only means spawn failed.
    child.on('error', () => undefined);
    child.unref();
    fs.writeFileSync(pidFile(dir, name), `${child.pid}\n`);
    return { name, pid: child.pid, log: logFile };
  } finally {
    fs.closeSync(fd);
  }
}

/** Is `pid` a live (non-zombie) process started for `dir`? Guards against pid reuse. */
function isOurs(pid: number, dir: string): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) [ZX] /.test(stat)) return false;
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes(dir);
  } catch {
    // No /proc (not Linux): trust the pid file.
    return process.platform !== 'linux';
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM the process (group), wait up to 10 s, then SIGKILL. */
async function terminate(pid: number, dir: string): Promise<void> {
  if (!isOurs(pid, dir)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig); // the process group (spawned detached, so pid is its leader)
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (!isOurs(pid, dir)) return;
    await sleep(100);
  }
  signal('SIGKILL');
  for (let waited = 0; waited < 5_000; waited += 100) {
    if (!isOurs(pid, dir)) return;
    await sleep(100);
  }
}

function tail(file: string, lines = 30): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Poll `check` until it returns true (else a reason); fail early if a started process died, and at the timeout. */
async function waitUntil(
  what: string,
  timeoutMs: number,
  processes: { name: Component; pid: number; log: string }[],
  check: () => Promise<true | string>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const result = await check();
      if (result === true) return;
      lastError = result;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    const dead = processes.find((p) => !isOurs(p.pid, path.dirname(p.log)));
    if (dead) {
      throw new Error(
        `${dead.name} exited while waiting for ${what}; last lines of ${dead.log}:\n${tail(dead.log)}`,
      );
    }
    if (Date.now() > deadline) {
      const logs = processes.map((p) => `--- ${p.log} (last lines)\n${tail(p.log)}`).join('\n');
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what} (${lastError})\n${logs}`);
    }
    await sleep(250);
  }
}

interface Response {
  status: number;
  body: string;
}

function collect(res: http.IncomingMessage, resolve: (r: Response) => void): void {
  let body = '';
  res.setEncoding('utf8');
  res.on('data', (c: string) => (body += c));
  res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
}

function httpGet(url: string): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 5000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

function httpsGet(url: string, tls: { ca: Buffer; cert: Buffer; key: Buffer }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ...tls, timeout: 5000 }, (res) => collect(res, resolve));
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Manual use: npx tsx scripts/control-plane.ts up [dir] | down <dir>

async function main(argv: string[]): Promise<number> {
  const [cmd, dir] = argv;
  if (cmd === 'up') {
    const cp = await startControlPlane({ dir, log: (l) => process.stderr.write(l + '\n') });
    process.stdout.write(
      `control plane running\n  dir:        ${cp.dir}\n  server:     ${cp.server}\n  kubeconfig: ${cp.kubeconfig}\n` +
        `try:  kubectl --kubeconfig ${cp.kubeconfig} get namespaces\n` +
        `stop: npx tsx scripts/control-plane.ts down ${cp.dir}\n`,
    );
    return 0;
  }
  if (cmd === 'down' && dir) {
    await stopControlPlane(dir);
    process.stdout.write(`control plane in ${path.resolve(dir)} stopped and removed\n`);
    return 0;
  }
  process.stderr.write('usage: control-plane.ts up [dir] | down <dir>\n');
  return 2;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
