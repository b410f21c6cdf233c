/**
 * A private PostgreSQL server (the distribution's binaries: initdb, postgres) on a loopback port,
 * its data in the cluster's folder: the database Vault's database engine issues credentials for,
 * standing in for a system's CloudNativePG cluster. PostgreSQL refuses to run as root, so under
 * root it runs as the distribution's `postgres` user.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts } from './http-checks';
import { waitUntil } from './processes';
import type { ClusterRun } from './state';

const SUPERUSER = 'postgres';

export interface RunningPostgres {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly superuserPassword: string;
}

/** A database of its own, owned by a login role (what CloudNativePG bootstraps for a system). */
export interface DatabaseSpec {
  readonly name: string;
  readonly owner: string;
  readonly ownerPassword: string;
  /** Run as superuser in the new database after it is created. @default - none */
  readonly bootstrapSql?: readonly string[];
}

/** The distribution's PostgreSQL programs: on PATH, or in Debian's versioned folder. */
export function findPostgresBin(): string {
  const candidates = [
    ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean),
    ...(fs.existsSync('/usr/lib/postgresql')
      ? fs
          .readdirSync('/usr/lib/postgresql')
          .sort((a, b) => Number(b) - Number(a))
          .map((v) => path.join('/usr/lib/postgresql', v, 'bin'))
      : []),
  ];
  const dir = candidates.find(
    (d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'postgres')),
  );
  if (!dir) {
    throw new Error(
      'PostgreSQL (initdb, postgres) not found: install the Debian package postgresql (see .ci/run)',
    );
  }
  return dir;
}

/** Run as `postgres` when we are root: setpriv execs in place, so pids and signals stay direct. */
function asDatabaseUser(bin: string, args: string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [bin, args];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', bin, ...args]];
}

function exec(
  command: string,
  args: string[],
  env: Record<string, string> = {},
  input?: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`${command} ${args.join(' ')} failed: ${(stderr || err.message).trim()}`));
        else resolve(stdout);
      },
    );
    // A command that exits without reading its input closes the pipe first; its exit status says
    // what happened, so the write's EPIPE must not become an uncaught error.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

export async function startPostgres(run: ClusterRun): Promise<RunningPostgres> {
  const binDir = findPostgresBin();
  const home = path.join(run.dir, 'postgres');
  const data = path.join(home, 'data');
  fs.mkdirSync(home, { recursive: true });
  const password = randomBytes(18).toString('hex');
  const pwfile = path.join(home, 'superuser-password');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (process.getuid?.() === 0) {
    // The `postgres` user must reach its folder through the cluster's (root-owned) one.
    fs.chmodSync(run.dir, 0o711);
    await exec('chown', ['-R', 'postgres:postgres', home]);
  }
  const [initdb, initdbArgs] = asDatabaseUser(path.join(binDir, 'initdb'), [
    ...['-D', data, '-U', SUPERUSER, `--pwfile=${pwfile}`],
    ...['--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8'],
  ]);
  await exec(initdb, initdbArgs);
  fs.rmSync(pwfile);
  const [port] = await freePorts(1);
  const [postgres, postgresArgs] = asDatabaseUser(path.join(binDir, 'postgres'), [
    ...['-D', data, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
    ...['-c', `unix_socket_directories=${home}`, '-c', 'fsync=off'],
  ]);
  run.start('postgres', postgres, postgresArgs);
  run.log(`cluster: postgres starting on 127.0.0.1:${port}`);
  const db: RunningPostgres = { host: '127.0.0.1', port, superuser: SUPERUSER, superuserPassword: password };
  await waitUntil('postgres accepting connections', run.timeoutMs, run.processes, async () => {
    await psql(db, 'postgres', 'SELECT 1');
    return true;
  });
  run.state.postgres = { host: db.host, port, superuser: SUPERUSER, superuserPassword: password };
  run.save();
  return db;
}

/** Run SQL with psql over TCP; stops at the first error. Returns psql's unaligned output. */
export function psql(
  db: Pick<RunningPostgres, 'host' | 'port'>,
  database: string,
  sql: string,
  user: { name: string; password: string } | RunningPostgres = db as RunningPostgres,
): Promise<string> {
  const login = 'superuser' in user ? { name: user.superuser, password: user.superuserPassword } : user;
  return exec(
    'psql',
    [
      '-h',
      db.host,
      '-p',
      String(db.port),
      '-U',
      login.name,
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-X',
      '-q',
      '-A',
      '-t',
      '-f',
      '-',
    ],
    { PGPASSWORD: login.password, PGCONNECT_TIMEOUT: '5' },
    sql,
  );
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/** Create (or bring back to this state) a database and its owner, then run its bootstrap SQL once. */
export async function createDatabase(db: RunningPostgres, spec: DatabaseSpec): Promise<void> {
  const exists = (
    await psql(db, 'postgres', `SELECT 1 FROM pg_database WHERE datname = ${literal(spec.name)}`)
  ).trim();
  const roleExists = (
    await psql(db, 'postgres', `SELECT 1 FROM pg_roles WHERE rolname = ${literal(spec.owner)}`)
  ).trim();
  await psql(
    db,
    'postgres',
    `${roleExists ? 'ALTER' : 'CREATE'} ROLE ${ident(spec.owner)} LOGIN PASSWORD ${literal(spec.ownerPassword)};`,
  );
  if (exists) return;
  await psql(db, 'postgres', `CREATE DATABASE ${ident(spec.name)} OWNER ${ident(spec.owner)};`);
  if (spec.bootstrapSql?.length) {
    await psql(db, spec.name, spec.bootstrapSql.map((s) => `${s};`).join('\n'));
  }
}
