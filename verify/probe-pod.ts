/**
 * The short-lived pod that tries a source's flows from inside the cluster. It carries the
 * source workload's labels and service account, so the same NetworkPolicies (and, with a mesh,
 * the same identity) apply to it as to the workload itself, and it meets Pod Security
 * `restricted`. Two details keep it from disturbing the workload it imitates:
 *
 * - the controller's own labels (`pod-template-hash`, a Job's controller labels) are left off,
 *   so no ReplicaSet or Job adopts it;
 * - a readiness probe that never passes keeps it out of the workload's Service endpoints, so
 *   no other probe's traffic lands on it.
 *
 * Results come back in the container's termination message (at most 4 KiB, hence the compact
 * JSON), which the API server reports in the pod's status: no log access to nodes is needed.
 */
import type { ProbeSource } from './flows';

/** The probe image: the test service syskit's own tests build and import into the local node. */
export const DEFAULT_PROBE_IMAGE = 'syskit.local/test-service:0.1.0';
export const RUN_LABEL = 'syskit.io/verify-run';
const PROBE_UID = 10001;
/** Labels a controller sets on its pods; a probe copying them would be adopted. */
const CONTROLLER_LABELS = [
  'pod-template-hash',
  'controller-uid',
  'job-name',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
];

export interface WorkloadIdentity {
  readonly labels: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
}

export interface ProbePodOptions {
  readonly runId: string;
  readonly image: string;
  /** Per-target timeout in seconds. */
  readonly timeoutSeconds: number;
  /**
   * Seconds the probe waits before its first attempt: NetworkPolicy implementations program
   * a new pod's address a moment after it starts, and until then they judge its traffic as
   * coming from nobody in particular.
   */
  readonly settleSeconds: number;
}

export function probePod(
  source: ProbeSource,
  identity: WorkloadIdentity,
  targets: readonly string[],
  opts: ProbePodOptions,
): object {
  const labels = Object.fromEntries(
    Object.entries(identity.labels).filter(([k]) => !CONTROLLER_LABELS.includes(k)),
  );
  const suffix = source.workload?.name ?? source.id;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `syskit-verify-${suffix}-`.slice(0, 57),
      namespace: source.namespace,
      labels: { ...labels, [RUN_LABEL]: opts.runId },
      annotations: { 'syskit.io/verify-source': source.id },
    },
    spec: {
      ...(identity.serviceAccount ? { serviceAccountName: identity.serviceAccount } : {}),
      // The probe calls no API; its identity is the service account's name, not a token.
      automountServiceAccountToken: false,
      restartPolicy: 'Never',
      activeDeadlineSeconds: 120,
      terminationGracePeriodSeconds: 0,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: PROBE_UID,
        runAsGroup: PROBE_UID,
        seccompProfile: { type: 'RuntimeDefault' },
      },
      containers: [
        {
          name: 'probe',
          image: opts.image,
          imagePullPolicy: 'IfNotPresent',
          args: [
            'probe',
            `--settle=${opts.settleSeconds}s`,
            `--timeout=${opts.timeoutSeconds}s`,
            '--out=/dev/termination-log',
            ...targets,
          ],
          readinessProbe: { tcpSocket: { port: 1 }, periodSeconds: 60 },
          resources: {
            requests: { cpu: '10m', memory: '16Mi' },
            limits: { cpu: '100m', memory: '32Mi' },
          },
          securityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      ],
    },
  };
}
