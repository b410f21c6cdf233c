import * as fs from 'node:fs';
import * as path from 'node:path';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { OpaAuthorizer } from '../../constructs/opa-authorizer';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { parseFleet, type EnvironmentInput, type SystemInput } from '../../model';
import { crdsDir } from '../../tools/upstream-crds';
import { addonValues, extAuthzHostEntry } from '../../stacks/addons';
import { testChart } from '../cdk8s';
import { accounts, shop } from '../fixtures/fleet';
import { restrictedViolations } from '../pod-templates';
import { CrdSchemas } from './crd-schema';
import { chartObjects, ephemeral, find, ofKind, resolveIn } from './system-objects';

const POLICY = 'policies/authz/orders.rego';
const rego = fs.readFileSync(path.join(__dirname, '../../', POLICY), 'utf8');

/** The shop fixture with OPA checking the requests to orders. */
const guardedShop: SystemInput = {
  ...shop,
  services: { ...shop.services, orders: { ...shop.services.orders, authz: { policy: POLICY } } },
};

function objects(env: EnvironmentInput = dev, system = 'shop'): any[] {
  return chartObjects(resolveIn(env, system, [guardedShop, accounts]));
}

const names = (list: any[]) => list.map((o) => `${o.kind}/${o.metadata.name}`);

describe('OpaAuthorizer', () => {
  it("counts the authorizer's pods in the namespace quota", () => {
    const hard = (list: any[]) => find(list, 'ResourceQuota', 'system-quota').spec.hard;
    const guarded = hard(chartObjects(resolveIn(prod, 'shop', [guardedShop, accounts])));
    const plain = hard(chartObjects(resolveIn(prod, 'shop', [shop, accounts])));
    // Three OPA replicas in prod and one more while a rollout surges, each with its mesh proxy
    // (50m + 100m requested, 500m + 1 CPU limit).
    expect(guarded.pods - plain.pods).toBe(3 + 1);
    expect(parseInt(guarded['requests.cpu']) - parseInt(plain['requests.cpu'])).toBe(4 * (50 + 100));
    expect(parseInt(guarded['limits.cpu']) - parseInt(plain['limits.cpu'])).toBe(4 * (500 + 1000));
  });

  it('ships exactly the declared Rego file and the opa-envoy config in its ConfigMap', () => {
    const configMap = find(objects(), 'ConfigMap', 'opa-authz-policies');
    expect(Object.keys(configMap.data)).toEqual(['config.yaml', 'orders.rego']);
    expect(configMap.data['orders.rego']).toBe(rego);
    expect(configMap.data['config.yaml']).toBe(
      [
        'plugins:',
        '  envoy_ext_authz_grpc:',
        '    addr: :9191',
        '    path: envoy/authz/allow',
        'decision_logs:',
        '  console: true',
        '',
      ].join('\n'),
    );
  });

  it('runs opa-envoy from the environment image under Pod Security restricted, without a token', () => {
    const deployment = find(objects(), 'Deployment', 'opa-authz');
    const pod = deployment.spec.template.spec;
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.serviceAccountName).toBe('opa-authz');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(find(objects(), 'ServiceAccount', 'opa-authz').automountServiceAccountToken).toBe(false);
    const [container] = pod.containers;
    expect(container.image).toBe('registry.acme.example/mirror/openpolicyagent/opa:1.22.2-envoy-static');
    expect(container.args).toEqual([
      'run',
      '--server',
      '--addr=localhost:8181',
      '--diagnostic-addr=:8282',
      '--config-file=/config/config.yaml',
      '/policies',
    ]);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.resources).toEqual({
      requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
    });
  });

  it('mounts the config and the Rego as separate read-only views of the ConfigMap', () => {
    const pod = find(objects(), 'Deployment', 'opa-authz').spec.template.spec;
    expect(pod.containers[0].volumeMounts).toEqual([
      { mountPath: '/config', name: 'config', readOnly: true },
      { mountPath: '/policies', name: 'policies', readOnly: true },
      { mountPath: '/tmp', name: 'tmp' },
    ]);
    expect(pod.volumes).toEqual([
      {
        name: 'config',
        configMap: { name: 'opa-authz-policies', items: [{ key: 'config.yaml', path: 'config.yaml' }] },
      },
      {
        name: 'policies',
        configMap: { name: 'opa-authz-policies', items: [{ key: 'orders.rego', path: 'orders.rego' }] },
      },
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ]);
  });

  it('is ready only when the ext_authz plugin is, probed on the diagnostic port', () => {
    const [container] = find(objects(), 'Deployment', 'opa-authz').spec.template.spec.containers;
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health?plugins', port: 8282, scheme: 'HTTP' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health', port: 8282, scheme: 'HTTP' });
  });

  it('runs the environment replica count, with a disruption budget only above one', () => {
    const inDev = objects(dev);
    expect(find(inDev, 'Deployment', 'opa-authz').spec.replicas).toBe(1);
    expect(ofKind(inDev, 'PodDisruptionBudget').map((o) => o.metadata.name)).not.toContain('opa-authz');
    const inProd = objects(prod);
    expect(find(inProd, 'Deployment', 'opa-authz').spec.replicas).toBe(3);
    expect(find(inProd, 'PodDisruptionBudget', 'opa-authz').spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'opa-authz' } },
    });
  });

  it('exposes only the ext_authz gRPC port as a Service', () => {
    expect(find(objects(), 'Service', 'opa-authz').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'opa-authz' },
      ports: [{ name: 'grpc', port: 9191, targetPort: 9191, protocol: 'TCP', appProtocol: 'grpc' }],
    });
  });

  it("maps the provider's host to this namespace's OPA, over mTLS to OPA's identity", () => {
    expect(find(objects(), 'ServiceEntry', 'opa-authz').spec).toEqual({
      hosts: ['opa-authz.local'],
      exportTo: ['.'],
      location: 'MESH_INTERNAL',
      ports: [{ number: 9191, name: 'grpc', protocol: 'GRPC' }],
      resolution: 'DNS',
      endpoints: [{ address: 'opa-authz.shop.svc.cluster.local', serviceAccount: 'opa-authz' }],
    });
  });

  it('gives an ephemeral copy of the system its own OPA behind the same host', () => {
    const copy = find(objects(ephemeral(dev, 'pr-7')), 'ServiceEntry', 'opa-authz');
    expect(copy.metadata.namespace).toBe('shop-pr-7');
    expect(copy.spec.endpoints).toEqual([
      { address: 'opa-authz.shop-pr-7.svc.cluster.local', serviceAccount: 'opa-authz' },
    ]);
  });

  it('is left out of a system without authz', () => {
    const all = objects(dev, 'accounts');
    expect(names(all).filter((n) => n.includes('opa'))).toEqual([]);
    expect(ofKind(all, 'ServiceEntry')).toEqual([]);
  });

  it('is one per system, named after what it is', () => {
    const chart = testChart();
    new OpaAuthorizer(chart, 'authz', { system: resolveIn(dev, 'shop', [guardedShop, accounts]) });
    expect(names(chart.toJson())).toEqual([
      'ConfigMap/opa-authz-policies',
      'ServiceAccount/opa-authz',
      'Deployment/opa-authz',
      'Service/opa-authz',
      'ServiceEntry/opa-authz',
    ]);
  });
});

describe('mesh and network rules of the authorizer', () => {
  it('sends every request to the service port through the provider the environment names', () => {
    const renamed = { ...dev, mesh: { ...dev.mesh, extAuthzProvider: 'acme-opa' } };
    expect(find(objects(renamed), 'AuthorizationPolicy', 'orders-opa').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
      action: 'CUSTOM',
      provider: { name: 'acme-opa' },
      rules: [{ to: [{ operation: { ports: ['8080'] } }] }],
    });
    expect(find(objects(), 'AuthorizationPolicy', 'orders-opa').spec.provider).toEqual({
      name: 'opa-ext-authz',
    });
    expect(names(ofKind(objects(), 'AuthorizationPolicy'))).not.toContain('AuthorizationPolicy/payments-opa');
  });

  it('admits into OPA exactly the identities of the services that use it', () => {
    expect(find(objects(), 'AuthorizationPolicy', 'opa-authz-allow').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'opa-authz' } },
      action: 'ALLOW',
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }],
          to: [{ operation: { ports: ['9191'] } }],
        },
      ],
    });
  });

  it('lets only those services connect to OPA, and OPA only to the mesh control plane', () => {
    const all = objects();
    expect(find(all, 'NetworkPolicy', 'opa-authz-ingress').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opa-authz' } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            {
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
              podSelector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
            },
          ],
          ports: [{ protocol: 'TCP', port: 9191 }],
        },
      ],
    });
    expect(find(all, 'NetworkPolicy', 'opa-authz-egress').spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opa-authz' } },
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } } }],
          ports: [{ protocol: 'TCP', port: 15012 }],
        },
      ],
    });
  });

  it("opens the path to OPA from the guarded service's pods and from no other workload", () => {
    const toOpa = (workload: string) =>
      find(objects(), 'NetworkPolicy', `${workload}-egress`).spec.egress.filter(
        (rule: any) => rule.to?.[0]?.podSelector?.matchLabels['app.kubernetes.io/name'] === 'opa-authz',
      );
    expect(toOpa('orders')).toEqual([
      {
        to: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'opa-authz' } },
          },
        ],
        ports: [{ protocol: 'TCP', port: 9191 }],
      },
    ]);
    expect(toOpa('payments')).toEqual([]);
    expect(toOpa('nightly')).toEqual([]);
  });
});

describe('the provider in the mesh config', () => {
  let schemas: CrdSchemas;
  beforeAll(async () => {
    schemas = CrdSchemas.load(await crdsDir(), ['istio.yaml']);
  });

  it('names the environment provider and the host every authorizer namespace maps', () => {
    const env = parseFleet([], [{ ...prod, mesh: { ...prod.mesh, extAuthzProvider: 'acme-opa' } }])
      .environments[0];
    const meshConfig = addonValues(env).istiod.meshConfig as Record<string, unknown>;
    expect(meshConfig.extensionProviders).toEqual([
      { name: 'acme-opa', envoyExtAuthzGrpc: { service: 'istio-system/opa-authz.local', port: 9191 } },
    ]);
    expect(extAuthzHostEntry()).toMatchObject({
      metadata: { name: 'opa-authz', namespace: 'istio-system' },
      spec: { hosts: ['opa-authz.local'], exportTo: ['.'], resolution: 'NONE' },
    });
  });

  it('writes ServiceEntries and AuthorizationPolicies the Istio CRDs accept', () => {
    const systems = [commerce, fulfillment, identity];
    const written = systems.flatMap((s) =>
      chartObjects(resolveIn(prod, s.name, systems)).filter(
        (o) => o.kind === 'ServiceEntry' || o.kind === 'AuthorizationPolicy',
      ),
    );
    expect(names(written)).toEqual(
      expect.arrayContaining([
        'ServiceEntry/opa-authz',
        'AuthorizationPolicy/orders-opa',
        'AuthorizationPolicy/opa-authz-allow',
      ]),
    );
    // Istio's CRD schemas leave apiVersion and kind out; the API server checks those itself.
    const problems = [...written, extAuthzHostEntry()]
      .flatMap((o) => schemas.validate(o))
      .filter((p) => !/ \.(apiVersion|kind): unknown field$/.test(p));
    expect(problems).toEqual([]);
  });
});
