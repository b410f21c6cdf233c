/**
 * istiod (`pilot-discovery`), built from Istio's Go module and run on the host's loopback with
 * the cluster's kubeconfig; the API server calls its sidecar-injection webhook by URL, so every
 * pod in a namespace labelled `istio-injection: enabled` is mutated by Istio's own injector
 * before Pod Security and ResourceQuota admission see it, as in a cluster with the mesh installed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { freePorts, httpGet } from './http-checks';
import { istioChartDir, renderInjectionFiles, type InjectionOptions } from './istio-injection';
import { applyObjects } from './kubectl';
import { waitUntil } from './processes';
import { issueServingCertificate } from './serving-cert';
import type { ClusterRun } from './state';
import { mutatingWebhook } from './webhooks';

export const ISTIO_NAMESPACE = 'istio-system';
/** The webhook's name, as Istio's chart registers it and the API server quotes it. */
export const ISTIO_INJECTION_WEBHOOK = 'namespace.sidecar-injector.istio.io';

export type IstiodOptions = InjectionOptions;

export interface RunningIstiod {
  /** The injection webhook's URL, as registered. */
  readonly url: string;
}

export async function startIstiod(
  run: ClusterRun,
  bin: string,
  opts: IstiodOptions = {},
): Promise<RunningIstiod> {
  const files = renderInjectionFiles(await istioChartDir(), opts);
  // istiod reads the injector's files from ./var/lib/istio/inject relative to its working
  // directory (the cluster's folder) and watches them, as it would a mounted ConfigMap.
  const injectDir = path.join(run.dir, 'var', 'lib', 'istio', 'inject');
  fs.mkdirSync(injectDir, { recursive: true });
  fs.writeFileSync(path.join(injectDir, 'config'), files.config);
  fs.writeFileSync(path.join(injectDir, 'values'), files.values);
  const home = path.join(run.dir, 'istiod');
  fs.mkdirSync(home, { recursive: true });
  const meshFile = path.join(home, 'mesh.yaml');
  fs.writeFileSync(meshFile, files.mesh);
  const serving = await issueServingCertificate(run.pki, path.join(home, 'certs'), {
    subject: 'istiod',
    dnsNames: [`istiod.${ISTIO_NAMESPACE}.svc`],
  });
  await applyObjects(run.state.kubeconfig, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } },
  ]);

  const [httpPort, httpsPort, grpcPort, secureGrpcPort, monitoringPort] = await freePorts(5);
  const certs = path.join(home, 'certs');
  run.start(
    'istiod',
    bin,
    [
      'discovery',
      `--kubeconfig=${run.state.kubeconfig}`,
      `--meshConfig=${meshFile}`,
      `--httpAddr=127.0.0.1:${httpPort}`,
      `--httpsAddr=127.0.0.1:${httpsPort}`,
      `--grpcAddr=127.0.0.1:${grpcPort}`,
      `--secureGRPCAddr=127.0.0.1:${secureGrpcPort}`,
      `--monitoringAddr=127.0.0.1:${monitoringPort}`,
      // Its webhook serves a certificate of the cluster's CA, so the API server trusts it.
      `--tlsCertFile=${path.join(certs, 'tls.crt')}`,
      `--tlsKeyFile=${path.join(certs, 'tls.key')}`,
      `--caCertFile=${path.join(certs, 'ca.crt')}`,
      '--profile=false',
      '--log_output_level=default:warn,ads:error',
    ],
    {
      env: {
        POD_NAMESPACE: ISTIO_NAMESPACE,
        POD_NAME: 'istiod-local',
        REVISION: 'default',
        ISTIOD_CUSTOM_HOST: 'localhost',
        // The webhook configuration below is ours; istiod must not patch or own it.
        INJECTION_WEBHOOK_CONFIG_NAME: '',
        VALIDATION_WEBHOOK_CONFIG_NAME: '',
        PILOT_ENABLE_GATEWAY_API_DEPLOYMENT_CONTROLLER: 'false',
      },
    },
  );
  run.log(`cluster: istiod starting (injection webhook https://127.0.0.1:${httpsPort}/inject)`);
  await waitUntil('istiod /ready', run.timeoutMs, run.processes, async () => {
    const res = await httpGet(`http://127.0.0.1:${httpPort}/ready`);
    return res.status === 200 || `HTTP ${res.status}: ${res.body.trim()}`;
  });
  const url = `https://127.0.0.1:${httpsPort}/inject`;
  // As Istio's chart registers it (templates/mutatingwebhook.yaml, the `namespace.` webhook):
  // Pods created in namespaces labelled istio-injection=enabled, unless the pod opts out.
  await applyObjects(run.state.kubeconfig, [
    mutatingWebhook({
      configName: 'istio-sidecar-injector',
      webhookName: ISTIO_INJECTION_WEBHOOK,
      url,
      caBundle: serving.ca,
      rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }],
      namespaceSelector: {
        matchExpressions: [
          { key: 'istio-injection', operator: 'In', values: ['enabled'] },
          { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [ISTIO_NAMESPACE] },
        ],
      },
      objectSelector: {
        matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] }],
      },
    }),
  ]);
  run.log(`cluster: istiod ready, mutating webhook ${ISTIO_INJECTION_WEBHOOK} registered`);
  return { url };
}
