/**
 * Gatekeeper's controller manager (webhook, audit and status in one process), built from its Go
 * module and run on the host's loopback as the cluster's validating webhook, the way the
 * platform's add-ons run it in a real cluster: ConstraintTemplates are compiled by Gatekeeper
 * itself, constraints are enforced at admission, and audit records what `dryrun` lets through.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts, httpGet } from './http-checks';
import { moduleDir, pinnedToolVersion } from './go-module';
import { applyObjects, kubectl } from './kubectl';
import { waitUntil } from './processes';
import { issueServingCertificate } from './serving-cert';
import type { ClusterRun } from './state';
import { validatingWebhook } from './webhooks';

export const GATEKEEPER_NAMESPACE = 'gatekeeper-system';
/** The webhook's name as the API server quotes it when it refuses or cannot reach it. */
export const GATEKEEPER_WEBHOOK = 'validation.gatekeeper.sh';
const GATEKEEPER_MODULE = 'github.com/open-policy-agent/gatekeeper/v3';
/** The Pod that stands for the host process (see createStandInPod). */
const GATEKEEPER_POD = 'gatekeeper-local';

export interface GatekeeperOptions {
  /** Seconds between audit runs; short in tests so `dryrun` violations show up quickly. @default 10 */
  readonly auditIntervalSeconds?: number;
}

export interface RunningGatekeeper {
  /** The webhook's URL, as registered. */
  readonly url: string;
}

/**
 * Which requests reach Gatekeeper: everything in system namespaces (the constraints select only
 * those), Namespaces themselves, and Gatekeeper's own templates and constraints (it refuses a
 * template it cannot compile at admission). The cluster's own objects never wait for it.
 */
const GATEKEEPER_RULES = [
  {
    apiGroups: ['*'],
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['*'],
    scope: 'Namespaced',
  },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'] },
  {
    apiGroups: ['templates.gatekeeper.sh', 'constraints.gatekeeper.sh'],
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['*'],
  },
] as const;

/** Gatekeeper's CRDs from the chart of the very module version the binary is built from. */
export async function gatekeeperCrdsDir(): Promise<string> {
  const dir = path.join(
    await moduleDir(GATEKEEPER_MODULE, pinnedToolVersion('gatekeeper')),
    'charts',
    'gatekeeper',
    'crds',
  );
  if (!fs.existsSync(dir)) throw new Error(`Gatekeeper's module has no CRD folder at ${dir}`);
  return dir;
}

export async function startGatekeeper(
  run: ClusterRun,
  bin: string,
  opts: GatekeeperOptions = {},
): Promise<RunningGatekeeper> {
  const crds = await gatekeeperCrdsDir();
  run.log(`cluster: installing Gatekeeper's CRDs from ${crds}`);
  const kubeconfig = run.state.kubeconfig;
  const applied = await kubectl(kubeconfig, [
    ...['apply', '--server-side', '--force-conflicts', '--field-manager=syskit-cluster'],
    ...['-f', crds, '-o', 'name'],
  ]);
  const names = applied.split('\n').filter((l) => l.startsWith('customresourcedefinition'));
  await kubectl(
    kubeconfig,
    ['wait', '--for=condition=Established', '--timeout=120s', ...names],
    undefined,
    150_000,
  );
  await applyObjects(kubeconfig, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: GATEKEEPER_NAMESPACE } },
  ]);
  await createStandInPod(run);

  const home = path.join(run.dir, 'gatekeeper');
  const certDir = path.join(home, 'certs');
  const serving = await issueServingCertificate(run.pki, certDir, { subject: 'gatekeeper-webhook' });
  // The audit pages what it lists from the API server through this folder, and stops when it is missing.
  const auditCache = path.join(home, 'audit');
  fs.mkdirSync(auditCache, { recursive: true });
  const [port, healthPort, metricsPort] = await freePorts(3);
  run.start(
    'gatekeeper',
    bin,
    [
      `--port=${port}`,
      '--host=127.0.0.1',
      `--cert-dir=${certDir}`,
      // Its certificate comes from the cluster's CA; Gatekeeper must not replace it with its own.
      '--disable-cert-rotation',
      '--operation=webhook',
      '--operation=audit',
      '--operation=status',
      // Creates each template's constraint CRD; without it no template is ever created.
      '--operation=generate',
      `--health-addr=127.0.0.1:${healthPort}`,
      `--metrics-addr=127.0.0.1:${metricsPort}`,
      `--audit-interval=${opts.auditIntervalSeconds ?? 10}`,
      `--api-cache-dir=${auditCache}`,
      '--constraint-violations-limit=100',
      '--log-denies',
      `--exempt-namespace=${GATEKEEPER_NAMESPACE}`,
    ],
    {
      env: {
        KUBECONFIG: kubeconfig,
        POD_NAMESPACE: GATEKEEPER_NAMESPACE,
        // Names its per-process status objects (ConstraintTemplatePodStatus and the like).
        POD_NAME: GATEKEEPER_POD,
      },
    },
  );
  run.log(`cluster: gatekeeper starting (webhook https://127.0.0.1:${port})`);
  await waitUntil('gatekeeper /readyz', run.timeoutMs, run.processes, async () => {
    const res = await httpGet(`http://127.0.0.1:${healthPort}/readyz`);
    return res.status === 200 || `HTTP ${res.status}: ${res.body.trim()}`;
  });
  const url = `https://127.0.0.1:${port}/v1/admit`;
  await applyObjects(kubeconfig, [
    validatingWebhook({
      configName: 'gatekeeper-validating-webhook-configuration',
      webhookName: GATEKEEPER_WEBHOOK,
      url,
      caBundle: serving.ca,
      rules: GATEKEEPER_RULES,
      namespaceSelector: { matchExpressions: [{ key: 'syskit.io/system', operator: 'Exists' }] },
    }),
  ]);
  run.log(`cluster: gatekeeper ready, validating webhook ${GATEKEEPER_WEBHOOK} registered`);
  return { url };
}

/**
 * Gatekeeper owns its per-process status objects (ConstraintTemplatePodStatus and the like) by
 * its own Pod, which it reads by POD_NAME before it writes any status: without that Pod it never
 * reports a template created. The process runs on the host, so a Pod object stands for it, held
 * back by a scheduling gate so that no scheduler places it, no kubelet runs it, and the pod
 * garbage collector (which removes pods bound to nodes that do not exist) leaves it alone.
 */
async function createStandInPod(run: ClusterRun): Promise<void> {
  const kubeconfig = run.state.kubeconfig;
  const objects = [
    {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: GATEKEEPER_POD, namespace: GATEKEEPER_NAMESPACE },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: GATEKEEPER_POD,
        namespace: GATEKEEPER_NAMESPACE,
        labels: { 'app.kubernetes.io/name': 'gatekeeper' },
      },
      spec: {
        serviceAccountName: GATEKEEPER_POD,
        automountServiceAccountToken: false,
        schedulingGates: [{ name: 'syskit.io/runs-on-the-host' }],
        containers: [{ name: 'manager', image: 'openpolicyagent/gatekeeper:host-process' }],
      },
    },
  ];
  // The ServiceAccount admission plugin may not see the new ServiceAccount at once.
  await waitUntil(`Pod ${GATEKEEPER_NAMESPACE}/${GATEKEEPER_POD}`, run.timeoutMs, run.processes, async () => {
    await applyObjects(kubeconfig, objects);
    return true;
  });
}
