import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { kibibytes } from '../model';

/**
 * The non-root identity every syskit container runs as. Pod Security `restricted` needs only
 * runAsNonRoot; a fixed high UID also keeps images that declare `USER root` from starting.
 */
export const RUNTIME_USER = 10001;

/** Pod-level security context shared by services and jobs. */
export const restrictedPodSecurityContext: kplus.PodSecurityContextProps = {
  ensureNonRoot: true,
  user: RUNTIME_USER,
  group: RUNTIME_USER,
  fsGroup: RUNTIME_USER,
  fsGroupChangePolicy: kplus.FsGroupChangePolicy.ON_ROOT_MISMATCH,
};

/**
 * Container security context that passes Pod Security `restricted`. cdk8s-plus's defaults set
 * no seccomp profile and drop no capabilities; both are required, so they are spelled out.
 */
export const restrictedContainerSecurityContext: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: RUNTIME_USER,
  group: RUNTIME_USER,
  privileged: false,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/**
 * A read-only root filesystem still needs somewhere to write temporary files. `/tmp` may hold
 * at most the container's ephemeral-storage limit: an emptyDir without `sizeLimit` grows until
 * the node's disk is full, one with it gets its pod evicted (and started elsewhere) instead.
 */
export function mountWritableTmp(
  scope: kplus.AbstractPod,
  container: kplus.Container,
  storage: { readonly limit: string } | undefined,
): void {
  // cdk8s-plus writes whole mebibytes; rounding down keeps /tmp within the container's limit.
  const sizeLimit = storage
    ? Size.mebibytes(Math.max(1, Math.floor(kibibytes(storage.limit) / 1024)))
    : undefined;
  container.mount('/tmp', kplus.Volume.fromEmptyDir(scope, 'tmp', 'tmp', { sizeLimit }));
}

/** The seccomp profile every syskit pod runs under. */
export const RUNTIME_DEFAULT_SECCOMP = { type: 'RuntimeDefault' } as const;

/**
 * Sets the seccomp profile at the pod level too. Containers that admission webhooks inject
 * (Istio's `istio-proxy`, and `istio-validation` or `istio-init`) set no profile of their own
 * (istio/istio#35894); Pod Security `restricted` accepts a container without one only when the
 * pod sets it, so without this every injected pod is refused. cdk8s-plus has no field for it.
 */
export function requirePodSeccompProfile(workload: ApiObject, templatePath: string): void {
  workload.addJsonPatch(
    JsonPatch.add(`${templatePath}/spec/securityContext/seccompProfile`, RUNTIME_DEFAULT_SECCOMP),
  );
}

/** What every pod template syskit writes gets after cdk8s-plus has built it. */
export function finishPodTemplate(workload: ApiObject, templatePath: string): void {
  dropConstructAddressLabel(workload, templatePath);
  requirePodSeccompProfile(workload, templatePath);
}

/**
 * cdk8s-plus labels every pod template with `cdk8s.io/metadata.addr`, a construct path with a
 * hash. syskit selects pods by `app.kubernetes.io/name`, so the label only adds churn: a
 * refactor of the construct tree would roll every pod.
 */
export function dropConstructAddressLabel(workload: ApiObject, templatePath: string): void {
  workload.addJsonPatch(JsonPatch.remove(`${templatePath}/metadata/labels/cdk8s.io~1metadata.addr`));
}
