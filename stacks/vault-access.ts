import * as pulumi from '@pulumi/pulumi';
import * as vault from '@pulumi/vault';
import { kafkaPkiRole, kafkaPkiRoleBody, usesKafka } from '../constructs/kafka-client-certificate';
import { policyDocument, systemVaultAccess } from '../constructs/vault-policy';
import type { ResolvedSystem } from '../model';

export interface SystemAccessArgs {
  /** The system, resolved for one environment. */
  readonly system: ResolvedSystem;
  /** The Vault the environment's workloads log in to; explicit, so nothing depends on ambient VAULT_ADDR or tokens. */
  readonly provider: vault.Provider;
}

/**
 * A system's identities in Vault, for one environment: per workload that declares secrets or
 * database access, a least-privilege policy and a Kubernetes-auth role that only that
 * workload's ServiceAccount, in its namespace, with a token minted for the `vault` audience,
 * can log in to. The same values as the reviewed files under `dist/<env>/vault/` (both come
 * from constructs/vault-policy.ts), so what was reviewed is what is applied.
 *
 * The database engine's connection and roles are not managed here: they need the database's
 * owner password once, which stays out of state (see `<namespace>.database.json`).
 */
export class SystemAccess extends pulumi.ComponentResource {
  /** Policies by workload name. */
  readonly policies: Readonly<Record<string, vault.Policy>>;
  /** Kubernetes-auth roles by workload name. */
  readonly roles: Readonly<Record<string, vault.kubernetes.AuthBackendRole>>;

  constructor(name: string, args: SystemAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('syskit:vault:SystemAccess', name, {}, opts);
    const policies: Record<string, vault.Policy> = {};
    const roles: Record<string, vault.kubernetes.AuthBackendRole> = {};
    const options = { parent: this, provider: args.provider };

    for (const access of systemVaultAccess(args.system)) {
      const policy = new vault.Policy(
        `${name}-${access.workload}`,
        { name: access.policy.name, policy: policyDocument(args.system, access) },
        options,
      );
      const role = access.role;
      roles[access.workload] = new vault.kubernetes.AuthBackendRole(
        `${name}-${access.workload}`,
        {
          backend: role.authMount,
          roleName: role.name,
          boundServiceAccountNames: [...role.boundServiceAccountNames],
          boundServiceAccountNamespaces: [...role.boundServiceAccountNamespaces],
          audience: role.audience,
          // Naming the policy through its output orders the role after the policy exists.
          tokenPolicies: [policy.name],
          tokenTtl: role.tokenTtlSeconds,
          tokenMaxTtl: role.tokenMaxTtlSeconds,
        },
        options,
      );
      policies[access.workload] = policy;
    }

    // The PKI roles that issue Kafka client certificates, one per workload with topics.
    const env = args.system.environment;
    for (const workload of [...args.system.services, ...args.system.jobs].filter(usesKafka)) {
      const body = kafkaPkiRoleBody(args.system, workload);
      new vault.pkisecret.SecretBackendRole(
        `${name}-${workload.name}-kafka`,
        {
          backend: env.kafka.clientPki,
          name: kafkaPkiRole(args.system, workload),
          allowedDomains: body.allowed_domains as string[],
          allowBareDomains: true,
          allowSubdomains: false,
          allowGlobDomains: false,
          allowAnyName: false,
          allowLocalhost: false,
          allowIpSans: false,
          enforceHostnames: false,
          serverFlag: false,
          clientFlag: true,
          keyType: body.key_type as string,
          keyBits: body.key_bits as number,
          ttl: body.ttl as string,
          maxTtl: body.max_ttl as string,
        },
        options,
      );
    }

    this.policies = policies;
    this.roles = roles;
    this.registerOutputs({
      policies: Object.fromEntries(Object.entries(policies).map(([w, p]) => [w, p.name])),
      roles: Object.fromEntries(Object.entries(roles).map(([w, r]) => [w, r.roleName])),
    });
  }
}
