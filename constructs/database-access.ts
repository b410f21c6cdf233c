/**
 * Who may do what in a system's database, written once for both sides that must agree on it:
 * the CloudNativePG bootstrap (group roles and their grants) and Vault's database secrets
 * engine (the short-lived users it creates as members of those groups).
 *
 * - The database and its owner are named after the system; the operator generates the owner's
 *   password into the `<cluster>-app` Secret, and Vault's connection logs in as that owner
 *   (then rotates the password so only Vault knows it). No password is ever in a manifest.
 * - Two NOLOGIN group roles, `<db>_readonly` and `<db>_readwrite`, hold the privileges.
 *   Vault creates one login role per lease inside the group of the declared mode and drops it
 *   when the lease ends.
 * - A readwrite login acts as its group (`SET role`), so the tables a migration creates belong
 *   to the group, not to a user Vault will drop an hour later.
 */
import type { ResolvedDatabase, ResolvedSystem } from '../model';
import { PLATFORM_PORTS } from './platform';
import { databaseRoleName, type DatabaseAccess } from './vault-policy';

export const DATABASE_ACCESS_MODES: readonly DatabaseAccess[] = ['readonly', 'readwrite'];

/** How long database credentials from Vault live, and the longest a lease may be renewed to. */
export const DATABASE_CREDENTIALS_TTL_SECONDS = 3600;
export const DATABASE_CREDENTIALS_MAX_TTL_SECONDS = 24 * 3600;

/** PostgreSQL plugin of Vault's database secrets engine. */
const VAULT_POSTGRES_PLUGIN = 'postgresql-database-plugin';

/**
 * The database (and owner role) inside the cluster. System names are DNS labels; a `-` in a
 * PostgreSQL identifier would need quoting in every statement an application writes.
 */
export function databaseName(system: ResolvedSystem): string {
  return system.name.replace(/-/g, '_');
}

/** The NOLOGIN role holding the privileges of one access mode. */
export function groupRoleName(system: ResolvedSystem, access: DatabaseAccess): string {
  return `${databaseName(system)}_${access}`;
}

/** PgBouncer's Pooler, and the Service in front of it, share this name. */
export function poolerName(database: ResolvedDatabase): string {
  return `${database.clusterName}-pooler`;
}

/**
 * Where a workload with the given access connects. Writers go through PgBouncer when the
 * environment pools, else to the primary (`-rw`); readers go to `-r`, any instance, which
 * keeps working with a single instance (where `-ro`, replicas only, has no endpoints).
 */
export function databaseHost(system: ResolvedSystem, access: DatabaseAccess): string {
  const db = requireDatabase(system);
  const service =
    access === 'readonly'
      ? `${db.clusterName}-r`
      : system.environment.database.pooler
        ? poolerName(db)
        : `${db.clusterName}-rw`;
  return `${service}.${system.namespace}.svc`;
}

/**
 * SQL the operator runs once, as superuser, in the new database: the group roles, their
 * privileges (including on tables created later), and the owner's right to create the login
 * roles Vault hands out. Since PostgreSQL 16 a CREATEROLE role may grant only roles it holds
 * with ADMIN OPTION, hence the explicit grant.
 */
export function databaseBootstrapSql(system: ResolvedSystem): string[] {
  const owner = ident(databaseName(system));
  const ro = ident(groupRoleName(system, 'readonly'));
  const rw = ident(groupRoleName(system, 'readwrite'));
  return [
    `CREATE ROLE ${ro} NOLOGIN`,
    `CREATE ROLE ${rw} NOLOGIN IN ROLE ${ro}`,
    `GRANT USAGE ON SCHEMA public TO ${ro}`,
    `GRANT USAGE, CREATE ON SCHEMA public TO ${rw}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT ON TABLES TO ${ro}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT ON SEQUENCES TO ${ro}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${rw}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${owner} IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO ${rw}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${rw} IN SCHEMA public GRANT SELECT ON TABLES TO ${ro}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${rw} IN SCHEMA public GRANT SELECT ON SEQUENCES TO ${ro}`,
    `GRANT ${ro}, ${rw} TO ${owner} WITH ADMIN OPTION`,
    `ALTER ROLE ${owner} CREATEROLE`,
  ];
}

/** A connection of Vault's database secrets engine, as the body of its API. */
export interface VaultDatabaseConnection {
  /** Connection name: `<databaseMount>/config/<name>`. */
  readonly name: string;
  readonly pluginName: string;
  /** With `{{username}}`/`{{password}}` placeholders Vault fills in; never a literal password. */
  readonly connectionUrl: string;
  readonly username: string;
  readonly allowedRoles: readonly string[];
}

/** A role of Vault's database secrets engine: how one lease's login role is created and dropped. */
export interface VaultDatabaseRole {
  /** Role name: `<databaseMount>/roles/<name>`, read at `<databaseMount>/creds/<name>`. */
  readonly name: string;
  readonly access: DatabaseAccess;
  /** The connection it creates users through. */
  readonly dbName: string;
  readonly creationStatements: readonly string[];
  readonly revocationStatements: readonly string[];
  readonly defaultTtlSeconds: number;
  readonly maxTtlSeconds: number;
}

/** Vault's database engine configuration for the system's cluster, or undefined without one. */
export function vaultDatabaseEngine(
  system: ResolvedSystem,
): { connection: VaultDatabaseConnection; roles: VaultDatabaseRole[] } | undefined {
  const db = system.database;
  if (!db) return undefined;
  // The connection is named after the namespace so ephemeral environments sharing a Vault do not collide.
  const name = system.namespace;
  const roles = DATABASE_ACCESS_MODES.map((access): VaultDatabaseRole => {
    const group = ident(groupRoleName(system, access));
    const creation = [
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE ${group}`,
    ];
    if (access === 'readwrite')
      creation.push(`ALTER ROLE "{{name}}" SET role = ${literal(groupRoleName(system, access))}`);
    return {
      name: databaseRoleName(system, access),
      access,
      dbName: name,
      creationStatements: creation,
      revocationStatements: [
        `REASSIGN OWNED BY "{{name}}" TO ${group}`,
        `DROP OWNED BY "{{name}}"`,
        `DROP ROLE IF EXISTS "{{name}}"`,
      ],
      defaultTtlSeconds: DATABASE_CREDENTIALS_TTL_SECONDS,
      maxTtlSeconds: DATABASE_CREDENTIALS_MAX_TTL_SECONDS,
    };
  });
  return {
    connection: {
      name,
      pluginName: VAULT_POSTGRES_PLUGIN,
      // Vault administers users on the primary directly; PgBouncer is for application traffic.
      connectionUrl: `postgresql://{{username}}:{{password}}@${db.clusterName}-rw.${system.namespace}.svc:${PLATFORM_PORTS.postgres}/${databaseName(system)}?sslmode=require`,
      username: databaseName(system),
      allowedRoles: roles.map((r) => r.name),
    },
    roles,
  };
}

/**
 * The file the Vault Agent renders for a workload's database access: where to connect and the
 * credentials of its current lease, as JSON.
 */
export function databaseCredentialsTemplate(
  system: ResolvedSystem,
  access: DatabaseAccess,
  credsPath: string,
): string {
  const fields = [
    `"host":${JSON.stringify(databaseHost(system, access))}`,
    `"port":${PLATFORM_PORTS.postgres}`,
    `"dbname":${JSON.stringify(databaseName(system))}`,
    `"sslmode":"require"`,
    `"username":{{ .Data.username | toJSON }}`,
    `"password":{{ .Data.password | toJSON }}`,
  ];
  return `{{- with secret ${JSON.stringify(credsPath)} -}}\n{${fields.join(',')}}\n{{- end }}\n`;
}

function requireDatabase(system: ResolvedSystem): ResolvedDatabase {
  if (!system.database) throw new Error(`system "${system.name}" declares no database`);
  return system.database;
}

/** A PostgreSQL identifier, quoted. Names come from DNS labels, so they hold no quotes. */
function ident(name: string): string {
  return `"${name}"`;
}

function literal(value: string): string {
  return `'${value}'`;
}
