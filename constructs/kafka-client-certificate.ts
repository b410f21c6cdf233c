import type { ResolvedSystem, ResolvedWorkload } from '../model';
import { kafkaUserName } from './event-topics';

/**
 * How a workload gets its Kafka client certificate where it can read it: Vault's PKI engine
 * issues it to the workload's Vault Agent, which writes it to `/vault/secrets/` in the pod.
 *
 * Strimzi's User Operator would write the certificate into a Secret of the Kafka namespace,
 * which a workload in its system's namespace cannot mount. So each `KafkaUser` authenticates
 * with `tls-external` (Strimzi keeps its ACLs, someone else issues the certificate), and the
 * certificate comes from a PKI role per workload that allows exactly one common name: the
 * KafkaUser's name, which is the principal Kafka matches the ACLs against. The Kafka cluster
 * must trust the PKI engine's CA for clients (a custom clients CA in Strimzi) and present a
 * listener certificate from the same CA chain (the workload verifies brokers with it).
 */

/** How long a client certificate lives; the agent issues a new one before it expires. */
export const KAFKA_CERTIFICATE_TTL = '24h';

/** Whether the workload talks to Kafka at all. */
export function usesKafka(workload: ResolvedWorkload): boolean {
  return workload.publishes.length > 0 || workload.consumes.length > 0;
}

/** The PKI role that issues this workload's certificates, named like its KafkaUser. */
export function kafkaPkiRole(system: ResolvedSystem, workload: ResolvedWorkload): string {
  return kafkaUserName(system, workload);
}

/** The Vault path the workload's agent writes to for a certificate (`update`). */
export function kafkaIssuePath(system: ResolvedSystem, workload: ResolvedWorkload): string {
  return `${system.environment.kafka.clientPki}/issue/${kafkaPkiRole(system, workload)}`;
}

/** The Vault path of the PKI engine's CA chain (`read`). */
export function kafkaCaChainPath(system: ResolvedSystem): string {
  return `${system.environment.kafka.clientPki}/cert/ca_chain`;
}

/**
 * The agent template of the client certificate: one issue call renders key, certificate and
 * chain together, so the key always matches the certificate beside it.
 */
export function kafkaCertificateTemplate(system: ResolvedSystem, workload: ResolvedWorkload): string {
  const path = JSON.stringify(kafkaIssuePath(system, workload));
  const cn = JSON.stringify(`common_name=${kafkaUserName(system, workload)}`);
  const ttl = JSON.stringify(`ttl=${KAFKA_CERTIFICATE_TTL}`);
  return [
    `{{- with secret ${path} ${cn} ${ttl} -}}`,
    '{{ .Data.private_key }}',
    '{{ .Data.certificate }}',
    '{{ range .Data.ca_chain }}{{ . }}',
    '{{ end }}',
    '{{- end }}',
    '',
  ].join('\n');
}

export function kafkaCaChainTemplate(system: ResolvedSystem): string {
  return `{{- with secret ${JSON.stringify(kafkaCaChainPath(system))} -}}\n{{ .Data.certificate }}\n{{- end }}\n`;
}

/**
 * The PKI role as the body of Vault's API (`vault write <mount>/roles/<name> @<file>`): client
 * certificates for exactly the KafkaUser's name, nothing else.
 */
export function kafkaPkiRoleBody(
  system: ResolvedSystem,
  workload: ResolvedWorkload,
): Record<string, unknown> {
  return {
    allowed_domains: [kafkaUserName(system, workload)],
    allow_bare_domains: true,
    allow_subdomains: false,
    allow_glob_domains: false,
    allow_any_name: false,
    allow_localhost: false,
    allow_ip_sans: false,
    enforce_hostnames: false,
    server_flag: false,
    client_flag: true,
    key_type: 'ec',
    key_bits: 256,
    ttl: KAFKA_CERTIFICATE_TTL,
    max_ttl: KAFKA_CERTIFICATE_TTL,
  };
}
