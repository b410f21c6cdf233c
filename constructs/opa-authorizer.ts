import * as path from 'node:path';
import { ApiObject, Chart, Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AUTHZ_PACKAGE,
  imageVersion,
  OPA_AUTHORIZER_NAME,
  type ResolvedService,
  type ResolvedSystem,
} from '../model';
import { componentLabels, selectorLabels } from './labels';
import {
  ServiceEntry,
  ServiceEntrySpecLocation,
  ServiceEntrySpecResolution,
} from './imports/networking.istio.io';
import { meshProxyExtras } from './mesh-proxy';
import { PLATFORM, PLATFORM_PORTS } from './platform';
import {
  finishPodTemplate,
  mountWritableTmp,
  restrictedContainerSecurityContext,
  restrictedPodSecurityContext,
} from './pod-security';
import { addEphemeralStorage, containerResources, ephemeralStorage } from './resources';

export interface OpaAuthorizerProps {
  /** The system, resolved for one environment; its services with `authz` are the authorizer's clients. */
  readonly system: ResolvedSystem;
}

/** Where the authorizer listens and what it reads; the mesh and network policies name the same. */
export const OPA_AUTHORIZER = {
  name: OPA_AUTHORIZER_NAME,
  /** ConfigMap with the Rego and opa-envoy's config. */
  configMap: 'opa-authz-policies',
  configKey: 'config.yaml',
  /** Envoy's ext_authz gRPC API (the port istiod's provider names). */
  grpcPort: PLATFORM_PORTS.opaExtAuthz,
  /** OPA's REST API; bound to localhost, since it can replace policies. */
  apiPort: 8181,
  /** Read-only /health and /metrics, for the kubelet's probes. */
  diagnosticPort: 8282,
  /** The rule opa-envoy evaluates for every check. */
  decisionPath: `${AUTHZ_PACKAGE.replace(/\./g, '/')}/allow`,
} as const;

/**
 * OPA answers a check in memory from a handful of rules: a fixed, small size, not the
 * environment's per-service defaults, which are sized for application code.
 */
export const OPA_RESOURCES = {
  requests: { cpu: '50m', memory: '64Mi', ephemeralStorage: '64Mi' },
  limits: { cpu: '500m', memory: '256Mi', ephemeralStorage: '256Mi' },
};

/** How many OPA pods answer a system's checks: never zero, which would deny every checked request. */
export function authorizerReplicas(system: ResolvedSystem): number {
  return authzClients(system).length === 0 ? 0 : Math.max(1, system.environment.defaults.replicas);
}

/** The services of a system that ask the mesh to check their requests with OPA, sorted. */
export function authzClients(system: ResolvedSystem): ResolvedService[] {
  return system.services.filter((s) => s.authz !== undefined);
}

/**
 * The system's OPA external authorizer: opa-envoy serving the Rego its services declared under
 * `authz`, for the Istio sidecars in front of them (a CUSTOM AuthorizationPolicy, written by
 * MeshSecurity, sends every request there before the service sees it).
 *
 * Objects: the ConfigMap `opa-authz-policies` (the Rego, keyed by file name, and opa-envoy's
 * config: the ext_authz gRPC server on :9191 answering `data.envoy.authz.allow`, decisions logged
 * to the console), the Deployment, ServiceAccount (no token) and Service `opa-authz`, a
 * PodDisruptionBudget when more than one replica runs, and an Istio ServiceEntry.
 *
 * How the one provider in istiod's mesh config reaches this namespace's OPA: the provider names
 * the host `opa-authz.local`, and istiod resolves that host once for the whole mesh, to one
 * cluster name (`outbound|9191||opa-authz.local`). What that cluster contains is decided per
 * sidecar, from the services visible to it. The ServiceEntry here defines `opa-authz.local` with
 * `exportTo: ['.']`, visible only to this namespace, with this namespace's OPA Service as its
 * endpoint, so each namespace's sidecars send checks to their own OPA and never to another
 * system's. Istio refuses a provider host that more than one namespace defines unless the
 * provider names a namespace, so the provider says `istio-system/opa-authz.local` and the
 * add-ons stack defines that host there too (stacks/addons.ts); without it a second system with
 * `authz` (or an ephemeral copy of the first) would make istiod deny every checked request.
 *
 * The endpoint names the ServiceAccount `opa-authz`: Istio then talks mutual TLS to it and
 * checks OPA's identity, where an endpoint without one would get plaintext, which OPA's own
 * sidecar refuses under STRICT mTLS. Pods pass Pod Security `restricted` like every service.
 */
export class OpaAuthorizer extends Construct {
  readonly deployment: kplus.Deployment;
  readonly service: ApiObject;
  /** The services whose sidecars send checks here. */
  readonly clients: readonly ResolvedService[];

  constructor(scope: Construct, id: string, props: OpaAuthorizerProps) {
    super(scope, id);
    const system = props.system;
    const env = system.environment;
    this.clients = authzClients(system);
    const name = OPA_AUTHORIZER.name;
    const labels = componentLabels(name, imageVersion(env.mesh.opaImage), 'authorizer');

    // The model lets a system's services name one Rego file between them: one OPA, one package.
    const policies = new Map(this.clients.map((s) => [path.posix.basename(s.authz!.policy), s.authz!.rego]));
    const configMap = new kplus.k8s.KubeConfigMap(this, 'Policies', {
      metadata: { name: OPA_AUTHORIZER.configMap, labels },
      data: {
        [OPA_AUTHORIZER.configKey]: opaConfig(),
        ...Object.fromEntries([...policies].sort(([a], [b]) => (a < b ? -1 : 1))),
      },
    });

    const serviceAccount = new kplus.ServiceAccount(this, 'ServiceAccount', {
      metadata: { name, labels },
      automountToken: false,
    });

    const replicas = authorizerReplicas(props.system);
    this.deployment = new kplus.Deployment(this, 'Resource', {
      metadata: { name, labels },
      replicas,
      serviceAccount,
      automountServiceAccountToken: false,
      select: false,
      // Its sidecar is sized like every other proxy of the environment, and counted the same way.
      podMetadata: {
        labels: { ...Chart.of(this).labels, ...labels },
        annotations: meshProxyExtras(system).annotations,
      },
      securityContext: restrictedPodSecurityContext,
      containers: [
        {
          name: 'opa',
          image: env.mesh.opaImage,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          args: [
            'run',
            '--server',
            `--addr=localhost:${OPA_AUTHORIZER.apiPort}`,
            `--diagnostic-addr=:${OPA_AUTHORIZER.diagnosticPort}`,
            `--config-file=/config/${OPA_AUTHORIZER.configKey}`,
            '/policies',
          ],
          ports: [
            { name: 'grpc', number: OPA_AUTHORIZER.grpcPort },
            { name: 'diagnostics', number: OPA_AUTHORIZER.diagnosticPort },
          ],
          securityContext: restrictedContainerSecurityContext,
          resources: containerResources(OPA_RESOURCES),
          // `?plugins` holds traffic back until the ext_authz server is up, not only the REST API.
          readiness: kplus.Probe.fromHttpGet('/health?plugins', {
            port: OPA_AUTHORIZER.diagnosticPort,
            periodSeconds: Duration.seconds(5),
          }),
          liveness: kplus.Probe.fromHttpGet('/health', {
            port: OPA_AUTHORIZER.diagnosticPort,
            initialDelaySeconds: Duration.seconds(5),
            periodSeconds: Duration.seconds(10),
          }),
        },
      ],
    });
    this.deployment.select(kplus.LabelSelector.of({ labels: selectorLabels(name) }));
    const container = this.deployment.containers[0];
    const source = kplus.ConfigMap.fromConfigMapName(this, 'PoliciesRef', configMap.name);
    // Two views of one ConfigMap, so OPA never loads its config file as a data document.
    container.mount(
      '/config',
      kplus.Volume.fromConfigMap(this, 'config', source, {
        name: 'config',
        items: { [OPA_AUTHORIZER.configKey]: { path: OPA_AUTHORIZER.configKey } },
      }),
      { readOnly: true },
    );
    container.mount(
      '/policies',
      kplus.Volume.fromConfigMap(this, 'policies', source, {
        name: 'policies',
        items: Object.fromEntries([...policies.keys()].sort().map((file) => [file, { path: file }])),
      }),
      { readOnly: true },
    );
    mountWritableTmp(this.deployment, container, ephemeralStorage(OPA_RESOURCES));
    finishPodTemplate(ApiObject.of(this.deployment), '/spec/template');
    addEphemeralStorage(ApiObject.of(this.deployment), '/spec/template/spec/containers/0', OPA_RESOURCES);

    this.service = new kplus.k8s.KubeService(this, 'Service', {
      metadata: { name, labels },
      spec: {
        type: 'ClusterIP',
        selector: selectorLabels(name),
        ports: [
          {
            name: 'grpc',
            port: OPA_AUTHORIZER.grpcPort,
            targetPort: kplus.k8s.IntOrString.fromNumber(OPA_AUTHORIZER.grpcPort),
            protocol: 'TCP',
            appProtocol: 'grpc',
          },
        ],
      },
    });

    if (replicas > 1) {
      new kplus.k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
        metadata: { name, labels },
        spec: {
          maxUnavailable: kplus.k8s.IntOrString.fromNumber(1),
          selector: { matchLabels: selectorLabels(name) },
        },
      });
    }

    new ServiceEntry(this, 'ServiceEntry', {
      metadata: { name, labels },
      spec: {
        hosts: [PLATFORM.mesh.extAuthzHost],
        exportTo: ['.'],
        location: ServiceEntrySpecLocation.MESH_UNDERSCORE_INTERNAL,
        ports: [{ number: OPA_AUTHORIZER.grpcPort, name: 'grpc', protocol: 'GRPC' }],
        resolution: ServiceEntrySpecResolution.DNS,
        endpoints: [{ address: `${name}.${system.namespace}.svc.cluster.local`, serviceAccount: name }],
      },
    });
  }
}

/** opa-envoy's configuration: the ext_authz gRPC server, and every decision logged for audit. */
function opaConfig(): string {
  return [
    'plugins:',
    '  envoy_ext_authz_grpc:',
    `    addr: :${OPA_AUTHORIZER.grpcPort}`,
    `    path: ${OPA_AUTHORIZER.decisionPath}`,
    'decision_logs:',
    '  console: true',
    '',
  ].join('\n');
}
