import { sharedWorkloadName } from './derived-names';
import type { Environment } from './environment';
import type { Issue } from './issues';
import { namespaceFor } from './naming';

/**
 * Limits of Kubernetes and of the operators syskit writes for, checked at the declaration that
 * causes them, with the name that would be too long: otherwise the API server or the operator
 * refuses the object at apply time, far from the field to change.
 */

/** A label value, and the name part of a label or annotation key (after the `prefix/`). */
export const MAX_LABEL_VALUE = 63;
export const MAX_KEY_NAME = 63;

/**
 * Strimzi makes a TLS KafkaUser's name the common name of its client certificate, which X.509
 * limits to 64 characters; the operator refuses a longer one.
 */
export const MAX_TLS_KAFKA_USER = 64;

/**
 * A workload's Vault Kubernetes-auth role and ACL policy are named like its KafkaUser
 * (`sharedWorkloadName`). Vault bounds neither name (role paths match `\w([\w-.]*\w)?`, stored
 * lowercased; only AppRole limits its names) and vault-k8s copies the `vault.hashicorp.com/role`
 * annotation value into the agent's configuration unchecked, so the bound is the one the same
 * name meets in Kafka: one identity, one limit, and a workload that declares a topic later keeps
 * its Vault role's name.
 */
export const MAX_VAULT_ROLE = MAX_TLS_KAFKA_USER;

/** Vault Agent annotations written per secret: the secret's name ends the key. */
const VAULT_SECRET_KEYS = ['agent-inject-secret-', 'agent-inject-template-', 'agent-inject-perms-'];

interface WorkloadLike {
  readonly secrets?: Readonly<Record<string, unknown>>;
  /** Database access, which Vault hands out: the workload gets a role too. */
  readonly database?: unknown;
  readonly topics?: { readonly publishes?: readonly unknown[]; readonly consumes?: readonly unknown[] };
}
interface SystemLike {
  readonly name: string;
  readonly owner?: unknown;
  readonly services: Readonly<Record<string, WorkloadLike>>;
  readonly jobs?: Readonly<Record<string, WorkloadLike>>;
}
interface EnvironmentLike {
  readonly name: string;
  readonly ephemeral?: Environment['ephemeral'];
}

/** Every derived name or value over its limit, at the field it comes from. */
export function kubernetesLimitIssues(
  systems: readonly SystemLike[],
  environments: readonly EnvironmentLike[],
): Issue[] {
  const issues: Issue[] = [];
  for (const system of systems) {
    if (typeof system.owner === 'string' && system.owner.length > MAX_LABEL_VALUE)
      issues.push({
        path: `${system.name}.owner`,
        message: `"${system.owner}" is ${system.owner.length} characters; it becomes the value of the syskit.io/owner label on every object, which may have at most ${MAX_LABEL_VALUE}`,
      });
    const workloads = [
      ...Object.entries(system.services).map(([n, w]) => [`services.${n}`, n, w] as const),
      ...Object.entries(system.jobs ?? {}).map(([n, w]) => [`jobs.${n}`, n, w] as const),
    ];
    for (const [where, name, workload] of workloads) {
      for (const secret of Object.keys(workload.secrets ?? {})) {
        const longest = VAULT_SECRET_KEYS.map((k) => `${k}${secret}`).sort((a, b) => b.length - a.length)[0];
        if (longest.length > MAX_KEY_NAME)
          issues.push({
            path: `${system.name}.${where}.secrets.${secret}`,
            message: `the annotation key "vault.hashicorp.com/${longest}" has a name part of ${longest.length} characters, over the ${MAX_KEY_NAME} Kubernetes allows; shorten the secret name to at most ${MAX_KEY_NAME - longest.length + secret.length} characters`,
          });
      }
      const usesKafka =
        (workload.topics?.publishes?.length ?? 0) + (workload.topics?.consumes?.length ?? 0) > 0;
      const usesVault =
        usesKafka || Object.keys(workload.secrets ?? {}).length > 0 || workload.database !== undefined;
      if (!usesVault) continue;
      // A Kafka workload's name is reported once, as its KafkaUser: the same string, the same limit.
      const limit = usesKafka ? MAX_TLS_KAFKA_USER : MAX_VAULT_ROLE;
      for (const env of environments) {
        const identity = sharedWorkloadName(namespaceFor(system.name, env), name);
        if (identity.length <= limit) continue;
        issues.push({
          path: `${system.name}.${where}`,
          message: usesKafka
            ? `its KafkaUser in environment ${env.name} would be "${identity}" (${identity.length} characters); Strimzi takes a TLS user's name as its certificate's common name, at most ${limit}; shorten the system or workload name`
            : `its Vault role and policy in environment ${env.name} would be "${identity}" (${identity.length} characters); syskit keeps them within ${limit}, the limit the same name meets as a KafkaUser; shorten the system or workload name`,
        });
        break;
      }
    }
  }
  return issues;
}
