import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { Environment } from '../model';
import {
  ServiceEntry,
  ServiceEntrySpecLocation,
  ServiceEntrySpecResolution,
} from '../constructs/imports/networking.istio.io';
import { ISTIO_SCRAPE_CERTS_DIR } from '../constructs/observability';
import { PLATFORM, PLATFORM_PORTS } from '../constructs/platform';

/** A pinned Helm chart: repository, chart and version never float. */
export interface ChartPin {
  readonly repo: string;
  readonly chart: string;
  readonly version: string;
  readonly namespace: string;
}

/**
 * The platform's add-ons and the chart versions they are pinned to. Versions follow the
 * upstream releases whose CRDs the tests install (see ../shared/crds/SOURCES.md); a bump here
 * goes together with a bump of those CRDs.
 */
export const ADDON_CHARTS = {
  'cert-manager': {
    repo: 'https://charts.jetstack.io',
    chart: 'cert-manager',
    version: 'v1.21.1',
    namespace: PLATFORM.certManager.namespace,
  },
  'istio-base': {
    repo: 'https://istio-release.storage.googleapis.com/charts',
    chart: 'base',
    version: '1.30.3',
    namespace: PLATFORM.mesh.istioNamespace,
  },
  'istio-cni': {
    repo: 'https://istio-release.storage.googleapis.com/charts',
    chart: 'cni',
    version: '1.30.3',
    namespace: 'kube-system',
  },
  istiod: {
    repo: 'https://istio-release.storage.googleapis.com/charts',
    chart: 'istiod',
    version: '1.30.3',
    namespace: PLATFORM.mesh.istioNamespace,
  },
  kong: {
    repo: 'https://charts.konghq.com',
    chart: 'kong',
    version: '3.4.1',
    namespace: PLATFORM.gateway.namespace,
  },
  gatekeeper: {
    repo: 'https://open-policy-agent.github.io/gatekeeper/charts',
    chart: 'gatekeeper',
    version: '3.23.0',
    namespace: PLATFORM.gatekeeper.namespace,
  },
  'cloudnative-pg': {
    repo: 'https://cloudnative-pg.github.io/charts',
    chart: 'cloudnative-pg',
    version: '0.27.0',
    namespace: PLATFORM.database.operatorNamespace,
  },
  vault: {
    repo: 'https://helm.releases.hashicorp.com',
    chart: 'vault',
    version: '0.31.0',
    namespace: 'vault',
  },
  'prometheus-operator': {
    repo: 'https://prometheus-community.github.io/helm-charts',
    chart: 'kube-prometheus-stack',
    version: '79.5.0',
    namespace: PLATFORM.monitoring.namespace,
  },
  strimzi: {
    repo: 'https://strimzi.io/charts/',
    chart: 'strimzi-kafka-operator',
    version: '1.2.0',
    namespace: 'kafka',
  },
} as const satisfies Record<string, ChartPin>;

export type AddonName = keyof typeof ADDON_CHARTS;

/**
 * The Gateway API release whose CRDs the add-ons install first: Kong's controller reconciles
 * Gateways only if these exist when it starts, and cert-manager's Gateway API support needs them
 * too. Same release as the CRDs the tests install (../shared/crds/gateway-api.yaml).
 */
export const GATEWAY_API = {
  version: 'v1.6.1',
  manifest: 'https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml',
} as const;

/**
 * The Barman Cloud plugin, through which CloudNativePG backs up (constructs/database.ts): its
 * release manifest (the ObjectStore CRD, the plugin's Deployment and its cert-manager
 * certificates), installed after cert-manager and the operator.
 */
export const BARMAN_CLOUD_PLUGIN_RELEASE = {
  version: 'v0.15.0',
  manifest: 'https://github.com/cloudnative-pg/plugin-barman-cloud/releases/download/v0.15.0/manifest.yaml',
  namespace: PLATFORM.database.operatorNamespace,
} as const;

/**
 * Where Prometheus's Istio sidecar writes its certificates, in a volume Prometheus also mounts
 * (at constructs/observability.ts's ISTIO_SCRAPE_CERTS_DIR): Istio's documented way to scrape
 * workloads under STRICT mTLS.
 */
const ISTIO_OUTPUT_CERTS = '/etc/istio-output-certs';
const ISTIO_CERTS_VOLUME = 'istio-certs';

/** Helm values per add-on for one environment; production sizes where the environment is prod-like. */
export function addonValues(env: Environment): Record<AddonName, Record<string, unknown>> {
  const ha = env.defaults.replicas > 1;
  const replicas = ha ? 2 : 1;
  return {
    'cert-manager': { crds: { enabled: true }, replicaCount: replicas, config: { enableGatewayAPI: true } },
    'istio-base': { defaultRevision: 'default' },
    // Pods in `restricted` namespaces cannot run Istio's privileged init container; the CNI
    // node agent sets up traffic redirection instead.
    'istio-cni': { profile: 'default', cni: { chained: true } },
    istiod: {
      // The istiod chart reads these at its top level; a `pilot:` key would be ignored, and
      // without the CNI the injector adds the privileged istio-init container.
      autoscaleMin: replicas,
      cni: { enabled: true },
      meshConfig: {
        accessLogFile: '/dev/stdout',
        // Checks go to the host each system namespace maps to its own OPA; see extAuthzHostEntry.
        extensionProviders: [
          {
            name: env.mesh.extAuthzProvider,
            envoyExtAuthzGrpc: {
              service: `${PLATFORM.mesh.istioNamespace}/${PLATFORM.mesh.extAuthzHost}`,
              port: PLATFORM_PORTS.opaExtAuthz,
            },
          },
        ],
      },
      global: { proxy: { holdApplicationUntilProxyStarts: true } },
    },
    kong: {
      ingressController: { enabled: true, gatewayDiscovery: { enabled: false } },
      deployment: { serviceAccount: { create: true, name: PLATFORM.gateway.serviceAccount } },
      replicaCount: replicas,
      proxy: { type: 'LoadBalancer', annotations: env.cluster.loadBalancerAnnotations },
      // Kong joins the mesh so its requests carry its identity over mTLS; Istio injects by this
      // pod label in a namespace without injection. Routed Services carry
      // `ingress.kubernetes.io/service-upstream` so Kong sends to them, where the mesh applies.
      ...(env.mesh.provider === 'istio'
        ? { podLabels: { 'sidecar.istio.io/inject': 'true' } }
        : { podAnnotations: { 'linkerd.io/inject': 'enabled' } }),
    },
    gatekeeper: { replicas: ha ? 3 : 1, auditInterval: 60, constraintViolationsLimit: 100, logDenies: true },
    'cloudnative-pg': { replicaCount: replicas, monitoring: { podMonitorEnabled: true } },
    // Only the agent injector: Vault itself runs outside the workload clusters.
    vault: {
      injector: { enabled: true, replicas, externalVaultAddr: env.vault.address },
      server: { enabled: false },
    },
    'prometheus-operator': {
      grafana: { enabled: false },
      alertmanager: { enabled: ha },
      prometheus: {
        // The identity the systems' mesh policies admit to their metrics ports.
        serviceAccount: { create: true, name: PLATFORM.monitoring.prometheusServiceAccount },
        prometheusSpec: {
          replicas,
          // Without these the operator selects only monitors and rules labelled with its Helm
          // release, and every system's ServiceMonitor, PodMonitor and PrometheusRule is ignored.
          serviceMonitorSelectorNilUsesHelmValues: false,
          podMonitorSelectorNilUsesHelmValues: false,
          ruleSelectorNilUsesHelmValues: false,
          probeSelectorNilUsesHelmValues: false,
          scrapeConfigSelectorNilUsesHelmValues: false,
          ...(env.mesh.provider === 'istio' ? prometheusIstioCertificates() : {}),
        },
      },
    },
    strimzi: { watchAnyNamespace: false, replicas },
  };
}

/** Where the released istiod chart takes the proxy image from (its values.yaml: hub and tag). */
export const ISTIO_HUB = 'docker.io/istio';

/**
 * istiod's Helm values in `env` as the installed release sees them: the published chart's image
 * coordinates (the chart's own defaults) under the platform's values. The local cluster's
 * injector renders Istio's templates with exactly these.
 */
export function istiodReleaseValues(env: Environment): Record<string, unknown> {
  const values = addonValues(env).istiod as { global?: Record<string, unknown> };
  return {
    ...values,
    global: { hub: ISTIO_HUB, tag: ADDON_CHARTS.istiod.version, ...(values.global ?? {}) },
  };
}

/**
 * Istio's documented setup for Prometheus under STRICT mTLS: a sidecar that intercepts no
 * traffic (Prometheus's own requests leave untouched) and only writes its certificates to a
 * shared in-memory volume, which Prometheus mounts and presents when it scrapes.
 */
function prometheusIstioCertificates(): Record<string, unknown> {
  return {
    podMetadata: {
      labels: { 'sidecar.istio.io/inject': 'true' },
      annotations: {
        'traffic.sidecar.istio.io/includeInboundPorts': '',
        'traffic.sidecar.istio.io/includeOutboundIPRanges': '',
        'proxy.istio.io/config': `proxyMetadata:\n  OUTPUT_CERTS: ${ISTIO_OUTPUT_CERTS}\n`,
        'sidecar.istio.io/userVolumeMount': JSON.stringify([
          { name: ISTIO_CERTS_VOLUME, mountPath: ISTIO_OUTPUT_CERTS },
        ]),
      },
    },
    volumes: [{ name: ISTIO_CERTS_VOLUME, emptyDir: { medium: 'Memory' } }],
    volumeMounts: [{ name: ISTIO_CERTS_VOLUME, mountPath: ISTIO_SCRAPE_CERTS_DIR }],
  };
}

/**
 * The registry entry istiod resolves the OPA provider's host against. Every system namespace
 * with an authorizer defines the same host, visible to itself only, with its own OPA behind it
 * (constructs/opa-authorizer.ts); istiod refuses a provider host that several namespaces define
 * unless the provider names the namespace, so the provider names this entry, in istiod's
 * namespace and visible there only. It has no endpoints: no check is ever sent to it.
 */
export function extAuthzHostEntry(): Record<string, unknown> {
  return ServiceEntry.manifest({
    metadata: { name: 'opa-authz', namespace: PLATFORM.mesh.istioNamespace },
    spec: {
      hosts: [PLATFORM.mesh.extAuthzHost],
      exportTo: ['.'],
      location: ServiceEntrySpecLocation.MESH_UNDERSCORE_INTERNAL,
      ports: [{ number: PLATFORM_PORTS.opaExtAuthz, name: 'grpc', protocol: 'GRPC' }],
      resolution: ServiceEntrySpecResolution.NONE,
    },
  });
}

/** The order add-ons install in: CRD owners and the mesh before what depends on them. */
const ORDER: AddonName[][] = [
  ['cert-manager', 'istio-base', 'prometheus-operator'],
  ['istio-cni', 'istiod', 'gatekeeper', 'cloudnative-pg', 'vault', 'strimzi'],
  ['kong'],
];

export interface PlatformAddonsArgs {
  readonly environment: Environment;
}

/**
 * The platform's components as pinned Helm releases: Kong, Istio (base, istiod, CNI),
 * Gatekeeper, cert-manager, CloudNativePG, the Vault agent injector, the Prometheus operator
 * and Strimzi. One component per environment, installed in dependency order after the Gateway
 * API CRDs, with the ServiceEntry istiod's OPA provider is resolved against.
 */
export class PlatformAddons extends pulumi.ComponentResource {
  readonly releases: Record<AddonName, k8s.helm.v3.Release>;
  /** Installed before every release: Kong and cert-manager need the kinds when they start. */
  readonly gatewayApiCrds: k8s.yaml.v2.ConfigFile;
  /** CloudNativePG's backups go through it. */
  readonly barmanCloudPlugin: k8s.yaml.v2.ConfigFile;

  constructor(name: string, args: PlatformAddonsArgs, opts?: pulumi.ComponentResourceOptions) {
    super('syskit:index:PlatformAddons', name, {}, opts);
    const values = addonValues(args.environment);
    const releases = {} as Record<AddonName, k8s.helm.v3.Release>;
    this.gatewayApiCrds = new k8s.yaml.v2.ConfigFile(
      'gateway-api-crds',
      { file: GATEWAY_API.manifest },
      { parent: this },
    );
    let previous: pulumi.Resource[] = [this.gatewayApiCrds];
    for (const wave of ORDER) {
      const current = wave.map((addon) => {
        const pin: ChartPin = ADDON_CHARTS[addon];
        const release = new k8s.helm.v3.Release(
          addon,
          {
            name: addon,
            chart: pin.chart,
            version: pin.version,
            repositoryOpts: { repo: pin.repo },
            namespace: pin.namespace,
            createNamespace: true,
            atomic: true,
            values: values[addon],
          },
          { parent: this, dependsOn: previous },
        );
        releases[addon] = release;
        return release;
      });
      previous = current;
    }
    this.releases = releases;
    this.barmanCloudPlugin = new k8s.yaml.v2.ConfigFile(
      'barman-cloud-plugin',
      { file: BARMAN_CLOUD_PLUGIN_RELEASE.manifest },
      { parent: this, dependsOn: [releases['cert-manager'], releases['cloudnative-pg']] },
    );
    new k8s.apiextensions.CustomResource(
      'opa-ext-authz-host',
      extAuthzHostEntry() as k8s.apiextensions.CustomResourceArgs,
      { parent: this, dependsOn: [releases['istio-base']] },
    );
    this.registerOutputs({});
  }
}
