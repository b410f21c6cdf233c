import type { ResolvedSystem } from '../model';
import { vaultDatabaseEngine } from './database-access';
import { kafkaPkiRole, kafkaPkiRoleBody, usesKafka } from './kafka-client-certificate';
import { policyDocument, roleApiBody, systemVaultAccess } from './vault-policy';

/**
 * The Vault side of one system in one environment as files a reviewer reads next to the
 * manifests (and an operator can apply with the Vault CLI). File names are the Vault object
 * names, which carry the namespace, so a file name says what it becomes:
 *
 * - `<namespace>-<workload>.hcl`: the workload's policy (`vault policy write <name> <file>`);
 * - `<namespace>-<workload>.role.json`: its Kubernetes-auth role
 *   (`vault write auth/<mount>/role/<name> @<file>`);
 * - `<namespace>-<workload>.kafka-pki-role.json`: the PKI role that issues its Kafka client
 *   certificate, for its KafkaUser's name only;
 * - `<namespace>.database.json`: the database engine's connection and its readonly/readwrite
 *   roles, each with the API path it is written to.
 *
 * Nothing here holds a secret: the database connection's password is set once from the
 * operator-generated Secret and then rotated by Vault itself.
 */
export function renderVaultFiles(system: ResolvedSystem): Map<string, string> {
  const files = new Map<string, string>();
  const env = system.environment;
  for (const access of systemVaultAccess(system)) {
    files.set(`${access.policy.name}.hcl`, policyDocument(system, access));
    files.set(`${access.role.name}.role.json`, json(roleApiBody(access.role)));
  }
  for (const workload of [...system.services, ...system.jobs].filter(usesKafka)) {
    files.set(
      `${kafkaPkiRole(system, workload)}.kafka-pki-role.json`,
      json({
        path: `${env.kafka.clientPki}/roles/${kafkaPkiRole(system, workload)}`,
        body: kafkaPkiRoleBody(system, workload),
      }),
    );
  }

  const engine = vaultDatabaseEngine(system);
  if (engine) {
    const mount = env.vault.databaseMount;
    const c = engine.connection;
    files.set(
      `${system.namespace}.database.json`,
      json({
        note:
          `password is deliberately absent: write the connection once with the password from the Secret ` +
          `"${system.database!.clusterName}-app" that CloudNativePG generates, then run ` +
          `"vault write -f ${mount}/rotate-root/${c.name}" so only Vault knows it`,
        connection: {
          path: `${mount}/config/${c.name}`,
          body: {
            plugin_name: c.pluginName,
            connection_url: c.connectionUrl,
            username: c.username,
            password_authentication: 'scram-sha-256',
            allowed_roles: [...c.allowedRoles],
          },
        },
        roles: engine.roles.map((r) => ({
          path: `${mount}/roles/${r.name}`,
          body: {
            db_name: r.dbName,
            creation_statements: [...r.creationStatements],
            revocation_statements: [...r.revocationStatements],
            default_ttl: r.defaultTtlSeconds,
            max_ttl: r.maxTtlSeconds,
          },
        })),
      }),
    );
  }
  return files;
}

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
