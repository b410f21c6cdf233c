import type { ResolvedJob, ResolvedService, ResolvedSystem } from '../model';
import { databaseCredentialsTemplate } from './database-access';
import type { InjectedContainer } from './injected-containers';
import { KAFKA_CA_CHAIN, KAFKA_CLIENT_CERTIFICATE } from './event-topics';
import {
  kafkaCaChainPath,
  kafkaCaChainTemplate,
  kafkaCertificateTemplate,
  kafkaIssuePath,
  usesKafka,
} from './kafka-client-certificate';
import type { PodExtras } from './pod-extras';
import { RUNTIME_USER } from './pod-security';
import { databaseCredsPath, needsVault, VAULT_AUDIENCE, vaultRoleName } from './vault-policy';

/** Prefix of every annotation the Vault Agent injector reads (hashicorp/vault-k8s). */
const ANNOTATION = 'vault.hashicorp.com';

/** The projected ServiceAccount token volume the agent logs in with. */
export const VAULT_TOKEN_VOLUME = 'vault-token';

/** Lifetime of the agent's login token; 600 seconds is the shortest the kubelet issues. */
export const VAULT_TOKEN_EXPIRATION_SECONDS = 600;

/** The file a workload with database access reads its connection and credentials from. */
export const DATABASE_CREDENTIALS_SECRET = 'db-creds';

/**
 * Requests and limits of the injected agent containers. They are small: the agent renders a
 * few templates and renews leases. The namespace quota leaves room for them.
 */
export const VAULT_AGENT_RESOURCES = {
  requests: { cpu: '25m', memory: '32Mi' },
  limits: { cpu: '250m', memory: '128Mi' },
} as const;

/**
 * What a workload's pod needs for the Vault Agent injector to deliver its secrets as files
 * under /vault/secrets, or undefined when it declares neither secrets nor database access.
 *
 * - The agent logs in to the workload's own Kubernetes-auth role (`<namespace>-<workload>`)
 *   with a projected ServiceAccount token bound to the `vault` audience and valid for ten
 *   minutes. Only the agent mounts that volume (the injector finds it by name), so the
 *   application never holds a Kubernetes credential and `automountServiceAccountToken`
 *   stays false.
 * - Each declared secret is rendered to `/vault/secrets/<name>` as JSON (the KV v2 data map),
 *   readable only by the runtime user; database access adds `db-creds`, short-lived
 *   credentials from Vault's database engine, renewed by the sidecar for as long as the pod runs;
 *   topics add the Kafka client certificate (`kafka-client.pem`) and CA chain (`kafka-ca.pem`).
 * - An init container fills the files before the application starts. Jobs get only that init
 *   container: a sidecar would keep a finished Job's pod running forever.
 * - The injected containers run as the same non-root user as the application; the injector sets
 *   no seccomp profile of its own, so one is patched in, or Pod Security `restricted` would
 *   refuse the pod.
 *
 * With Istio, the agent's init container reaches Vault through the mesh, so the proxy must
 * already run. Istio's native sidecar (an init container that keeps running) does: the injector
 * appends its init container after the existing ones as long as `agent-init-first` stays unset.
 */
export function vaultAgentExtras(
  system: ResolvedSystem,
  workload: ResolvedService | ResolvedJob,
): PodExtras | undefined {
  if (!needsVault(workload)) return undefined;
  if (workload.database && workload.secrets.some((s) => s.name === DATABASE_CREDENTIALS_SECRET)) {
    throw new Error(
      `${system.name}/${workload.name}: secret name "${DATABASE_CREDENTIALS_SECRET}" is where database credentials are rendered; rename the secret`,
    );
  }
  const seccomp = JSON.stringify([
    { op: 'add', path: '/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
  ]);
  const annotations: Record<string, string> = {
    [`${ANNOTATION}/agent-inject`]: 'true',
    [`${ANNOTATION}/role`]: vaultRoleName(system, workload),
    [`${ANNOTATION}/auth-path`]: `auth/${system.environment.vault.authMount}`,
    [`${ANNOTATION}/service`]: system.environment.vault.address,
    [`${ANNOTATION}/agent-service-account-token-volume-name`]: VAULT_TOKEN_VOLUME,
    // Only the application container mounts the secrets, not the mesh proxy.
    [`${ANNOTATION}/agent-inject-containers`]: workload.name,
    [`${ANNOTATION}/agent-pre-populate`]: 'true',
    [`${ANNOTATION}/agent-pre-populate-only`]: runsAgentSidecar(workload) ? 'false' : 'true',
    [`${ANNOTATION}/agent-requests-cpu`]: VAULT_AGENT_RESOURCES.requests.cpu,
    [`${ANNOTATION}/agent-requests-mem`]: VAULT_AGENT_RESOURCES.requests.memory,
    [`${ANNOTATION}/agent-limits-cpu`]: VAULT_AGENT_RESOURCES.limits.cpu,
    [`${ANNOTATION}/agent-limits-mem`]: VAULT_AGENT_RESOURCES.limits.memory,
    [`${ANNOTATION}/agent-run-as-user`]: String(RUNTIME_USER),
    [`${ANNOTATION}/agent-run-as-group`]: String(RUNTIME_USER),
    [`${ANNOTATION}/agent-set-security-context`]: 'true',
    [`${ANNOTATION}/agent-json-patch`]: seccomp,
    [`${ANNOTATION}/agent-init-json-patch`]: seccomp,
  };
  const inject = (name: string, path: string, template: string) => {
    annotations[`${ANNOTATION}/agent-inject-secret-${name}`] = path;
    annotations[`${ANNOTATION}/agent-inject-template-${name}`] = template;
    annotations[`${ANNOTATION}/agent-inject-perms-${name}`] = '0400';
  };
  for (const secret of workload.secrets) inject(secret.name, secret.path, secretTemplate(secret.path));
  if (workload.database) {
    const path = databaseCredsPath(system, workload.database);
    inject(DATABASE_CREDENTIALS_SECRET, path, databaseCredentialsTemplate(system, workload.database, path));
  }
  if (usesKafka(workload)) {
    inject(
      KAFKA_CLIENT_CERTIFICATE,
      kafkaIssuePath(system, workload),
      kafkaCertificateTemplate(system, workload),
    );
    inject(KAFKA_CA_CHAIN, kafkaCaChainPath(system), kafkaCaChainTemplate(system));
  }

  return {
    annotations,
    volumes: [
      {
        name: VAULT_TOKEN_VOLUME,
        projected: {
          sources: [
            {
              serviceAccountToken: {
                path: 'token',
                audience: VAULT_AUDIENCE,
                expirationSeconds: VAULT_TOKEN_EXPIRATION_SECONDS,
              },
            },
          ],
        },
      },
    ],
  };
}

/** Jobs get the agent's init container only: a sidecar would keep a finished Job's pod running. */
function runsAgentSidecar(workload: ResolvedService | ResolvedJob): boolean {
  return workload.kind !== 'job';
}

/**
 * The containers the injector adds for the annotations above, at the size they carry, so the
 * namespace's quota counts exactly what the injector will add.
 */
export function vaultAgentContainers(workload: ResolvedService | ResolvedJob): InjectedContainer[] {
  if (!needsVault(workload)) return [];
  const init: InjectedContainer = {
    name: 'vault-agent-init',
    runs: 'init',
    resources: VAULT_AGENT_RESOURCES,
  };
  return runsAgentSidecar(workload)
    ? [init, { name: 'vault-agent', runs: 'alongside', resources: VAULT_AGENT_RESOURCES }]
    : [init];
}

/**
 * Renders a secret's data as one JSON object. KV v2 reads (`<mount>/data/<path>`) nest the
 * data under `.Data.data`; every other engine returns it as `.Data`.
 */
export function secretTemplate(path: string): string {
  const data = /^[^/]+\/data\//.test(path) ? '.Data.data' : '.Data';
  return `{{- with secret ${JSON.stringify(path)} -}}\n{{ ${data} | toJSON }}\n{{- end }}\n`;
}
