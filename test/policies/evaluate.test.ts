import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadPolicies, type PolicyEnvironment, type PolicyRule } from '../../policies/catalog';
import { evaluate, evaluateEnvironments, readKinds, type Violation } from '../../policies/evaluate';
import { BUILD_TIMEOUT_MS, repoRoot, toolPath } from './tools';

type K8sObject = Record<string, unknown>;

const dev: PolicyEnvironment = {
  name: 'dev',
  domain: 'dev.acme.example',
  allowedRegistries: ['ghcr.io/acme/', 'registry.acme.example/'],
  mesh: 'istio',
  enforcement: 'dryrun',
};

function labels(name: string, system = 'shop'): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': system,
    'app.kubernetes.io/version': '1.4.2',
    'app.kubernetes.io/managed-by': 'syskit',
    'syskit.io/system': system,
    'syskit.io/environment': 'dev',
    'syskit.io/owner': 'team-commerce',
  };
}

function metadata(name: string, namespace = 'shop'): K8sObject {
  return { name, namespace, labels: labels(name) };
}

function namespace(name: string, extra: Record<string, string> = {}): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: {
        ...labels(name, name),
        'pod-security.kubernetes.io/enforce': 'restricted',
        'istio-injection': 'enabled',
        ...extra,
      },
    },
  };
}

function container(overrides: K8sObject = {}): K8sObject {
  return {
    name: 'app',
    image: 'ghcr.io/acme/orders:1.4.2',
    ports: [{ name: 'http', containerPort: 8080 }],
    resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '256Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
    livenessProbe: { httpGet: { path: '/live', port: 'http' } },
    securityContext: {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    },
    ...overrides,
  };
}

function deployment(
  name: string,
  options: { replicas?: number; container?: K8sObject; pod?: K8sObject } = {},
): K8sObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(name),
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: labels(name) },
        spec: {
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [options.container ?? container()],
          ...options.pod,
        },
      },
    },
  };
}

function service(name: string, type = 'ClusterIP'): K8sObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(name),
    spec: { type, selector: { 'app.kubernetes.io/name': name }, ports: [{ port: 80, targetPort: 'http' }] },
  };
}

function route(name: string, hostnames: string[]): K8sObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: metadata(name),
    spec: {
      parentRefs: [{ name: 'platform', namespace: 'gateway-system' }],
      hostnames,
      rules: [{ backendRefs: [{ name, port: 80 }] }],
    },
  };
}

/** A system as syskit writes it: everything right, two replicas protected by a budget. */
function cleanSystem(): K8sObject[] {
  return [
    namespace('shop'),
    deployment('orders', { replicas: 2 }),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata('orders'),
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } } },
    },
    service('orders'),
    route('orders', ['shop.dev.acme.example']),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata('orders') },
  ];
}

/** One object breaking each rule, all in the system namespace `shop`. */
function badObjects(): K8sObject[] {
  const writable = { ...(container().securityContext as K8sObject) };
  delete writable.readOnlyRootFilesystem;
  const unprobed = container();
  delete unprobed.livenessProbe;
  delete unprobed.readinessProbe;
  return [
    deployment('from-docker-hub', { container: container({ image: 'docker.io/library/nginx:1.27' }) }),
    deployment('floating', { container: container({ image: 'ghcr.io/acme/orders:latest' }) }),
    deployment('unbounded', {
      container: container({ resources: { requests: { cpu: '50m', memory: '64Mi' } } }),
    }),
    deployment('unprobed', { container: unprobed }),
    deployment('host-networked', { pod: { hostNetwork: true } }),
    deployment('writable', { container: container({ securityContext: writable }) }),
    deployment('replicated', { replicas: 3 }),
    service('public', 'LoadBalancer'),
    route('foreign', ['shop.acme.example']),
    namespace('weak', { 'pod-security.kubernetes.io/enforce': 'baseline' }),
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: metadata('legacy'),
      spec: { rules: [{ host: 'shop.dev.acme.example' }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'Opaque',
      metadata: metadata('db-password'),
      data: { password: 'aHVudGVyMg==' },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'unlabelled', namespace: 'shop' } },
  ];
}

function violation(
  rule: string,
  kind: string,
  name: string,
  message: string,
  namespace: string | null = 'shop',
): Violation {
  return {
    rule,
    environment: 'dev',
    kind,
    ...(namespace === null ? {} : { namespace }),
    name,
    message,
    enforcement: 'dryrun',
  };
}

describe('evaluate', () => {
  let opaPath: string;
  beforeAll(() => {
    opaPath = toolPath('opa');
  }, BUILD_TIMEOUT_MS);

  it('finds nothing in a system written as syskit writes it', async () => {
    await expect(evaluate(cleanSystem(), dev, { opaPath })).resolves.toEqual([]);
  });

  it('reports one violation for each broken rule, sorted by rule', async () => {
    const found = await evaluate([...cleanSystem(), ...badObjects()], dev, { opaPath });
    expect(found).toEqual([
      violation(
        'allowed-registries',
        'Deployment',
        'from-docker-hub',
        'Deployment shop/from-docker-hub: container "app" image "docker.io/library/nginx:1.27" is not from an allowed registry (ghcr.io/acme/, registry.acme.example/)',
      ),
      violation(
        'container-probes',
        'Deployment',
        'unprobed',
        'Deployment shop/unprobed: container "app" has no readinessProbe and no livenessProbe',
      ),
      violation(
        'container-resources',
        'Deployment',
        'unbounded',
        'Deployment shop/unbounded: container "app" has no resources limits.cpu, limits.memory',
      ),
      violation(
        'container-security-context',
        'Deployment',
        'writable',
        'Deployment shop/writable: container "app" must set securityContext.readOnlyRootFilesystem: true',
      ),
      violation(
        'disruption-budgets',
        'Deployment',
        'replicated',
        'Deployment shop/replicated runs 3 replicas but no PodDisruptionBudget in namespace "shop" selects its pods',
      ),
      violation(
        'no-external-services',
        'Service',
        'public',
        'Service shop/public must not be of type LoadBalancer; expose it through an HTTPRoute on the platform Gateway',
      ),
      violation(
        'no-ingress',
        'Ingress',
        'legacy',
        'Ingress shop/legacy: Ingress is not allowed; route traffic with a Gateway API HTTPRoute',
      ),
      violation(
        'no-literal-secrets',
        'Secret',
        'db-password',
        'Secret shop/db-password of type "Opaque" must not carry literal data (keys: password); deliver secrets through Vault',
      ),
      violation(
        'no-privileged-access',
        'Deployment',
        'host-networked',
        'Deployment shop/host-networked must not set hostNetwork',
      ),
      violation(
        'pinned-images',
        'Deployment',
        'floating',
        'Deployment shop/floating: container "app" image "ghcr.io/acme/orders:latest" uses the floating tag "latest"; pin it to a version tag (one with a digit, like 7.2.4) or a digest',
      ),
      violation(
        'required-labels',
        'ServiceAccount',
        'unlabelled',
        'ServiceAccount shop/unlabelled must have labels syskit.io/environment, syskit.io/owner, syskit.io/system',
      ),
      violation(
        'route-hostnames',
        'HTTPRoute',
        'foreign',
        'HTTPRoute shop/foreign: hostname "shop.acme.example" is not under the environment domain "dev.acme.example"',
      ),
      violation(
        'system-namespaces',
        'Namespace',
        'weak',
        'Namespace weak must have label pod-security.kubernetes.io/enforce: restricted, got "baseline"',
        null,
      ),
    ]);
  });

  it('carries the environment and its enforcement into every violation', async () => {
    const prod: PolicyEnvironment = { ...dev, name: 'prod', domain: 'acme.example', enforcement: 'deny' };
    const found = await evaluate([namespace('shop'), route('orders', ['shop.acme-staging.example'])], prod, {
      opaPath,
    });
    expect(found).toEqual([
      {
        rule: 'route-hostnames',
        environment: 'prod',
        kind: 'HTTPRoute',
        namespace: 'shop',
        name: 'orders',
        message:
          'HTTPRoute shop/orders: hostname "shop.acme-staging.example" is not under the environment domain "acme.example"',
        enforcement: 'deny',
      },
    ]);
  });

  it('leaves namespaces without the system label alone', async () => {
    const tools = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools' } };
    const moved = badObjects()
      .filter((o) => o.kind !== 'Namespace')
      .map((o) => ({ ...o, metadata: { ...(o.metadata as K8sObject), namespace: 'tools' } }));
    await expect(evaluate([tools, ...moved], dev, { opaPath })).resolves.toEqual([]);
  });

  it('takes the system label of an object whose Namespace is not among the manifests', async () => {
    const found = await evaluate([service('public', 'NodePort')], dev, { opaPath });
    expect(found.map((v) => [v.rule, v.name])).toEqual([['no-external-services', 'public']]);
    const unlabelled = { ...service('public', 'NodePort'), metadata: { name: 'public', namespace: 'shop' } };
    await expect(evaluate([unlabelled], dev, { opaPath })).resolves.toEqual([]);
  });

  it('counts a budget only in the namespace of the workload', async () => {
    const budgetElsewhere = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { ...metadata('replicated'), namespace: 'other' },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'replicated' } } },
    };
    const found = await evaluate(
      [namespace('shop'), deployment('replicated', { replicas: 3 }), budgetElsewhere],
      dev,
      {
        opaPath,
      },
    );
    expect(found.map((v) => [v.rule, v.name])).toEqual([['disruption-budgets', 'replicated']]);
  });

  it('fails on an object given twice', async () => {
    await expect(evaluate([service('orders'), service('orders')], dev, { opaPath })).rejects.toThrow(
      'each object may appear once, got duplicates: v1 Service shop/orders',
    );
  });

  it('fails loudly when OPA cannot run', async () => {
    await expect(
      evaluate(cleanSystem(), dev, { opaPath: path.join(repoRoot, 'no-such-opa') }),
    ).rejects.toThrow(/opa eval failed/);
  });

  it(
    'builds the pinned OPA itself when no path is given',
    async () => {
      await expect(evaluate(cleanSystem(), dev)).resolves.toEqual([]);
    },
    BUILD_TIMEOUT_MS,
  );

  describe('agrees with gator verify on every sample', () => {
    interface Assertion {
      violations?: 'yes' | 'no' | number;
      message?: string;
    }
    interface Case {
      name: string;
      object: string;
      inventory?: string[];
      assertions: Assertion[];
    }
    const policiesDir = path.join(repoRoot, 'policies');
    const readDocs = (file: string): K8sObject[] =>
      parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS() as K8sObject);
    const cases = loadPolicies().flatMap((rule) => {
      const dir = path.join(policiesDir, rule.name);
      const suite = parse(fs.readFileSync(path.join(dir, 'suite.yaml'), 'utf8')) as {
        tests: Array<{ constraint: string; cases: Case[] }>;
      };
      return suite.tests.flatMap((test) =>
        test.cases.map((c) => ({ rule: rule.name, dir, constraint: test.constraint, c })),
      );
    });

    it.each(cases.map((x) => [`${x.rule}: ${x.c.name}`, x]))(
      '%s',
      async (_, { rule, dir, constraint, c }) => {
        const parameters =
          (
            parse(fs.readFileSync(path.join(dir, constraint), 'utf8')) as {
              spec: { parameters?: Record<string, unknown> };
            }
          ).spec.parameters ?? {};
        // The environment that yields the sample constraint's parameters.
        const env: PolicyEnvironment = {
          ...dev,
          domain: (parameters.domain as string) ?? dev.domain,
          allowedRegistries: (parameters.registries as string[]) ?? dev.allowedRegistries,
          mesh: (parameters.mesh as 'istio' | 'linkerd') ?? dev.mesh,
          exemptImages: (parameters.exemptImages as string[]) ?? [],
          requireDigests: (parameters.requireDigests as boolean) ?? false,
          ...(parameters.allowedTypes ? { allowedSecretTypes: parameters.allowedTypes as string[] } : {}),
        };
        const [object] = readDocs(path.join(dir, c.object));
        const inventory = (c.inventory ?? []).flatMap((f) => readDocs(path.join(dir, f)));
        const meta = object.metadata as { name: string; namespace?: string };
        const others = inventory.filter((o) => {
          const m = o.metadata as { name: string; namespace?: string };
          return !(o.kind === object.kind && m.name === meta.name && m.namespace === meta.namespace);
        });
        const found = (await evaluate([...others, object], env, { opaPath })).filter(
          (v) =>
            v.rule === rule &&
            v.kind === object.kind &&
            v.name === meta.name &&
            v.namespace === meta.namespace,
        );
        for (const assertion of c.assertions) {
          const matching = found.filter(
            (v) => !assertion.message || new RegExp(assertion.message).test(v.message),
          );
          const expected = assertion.violations ?? 'yes';
          if (expected === 'yes') expect(matching.length).toBeGreaterThan(0);
          else if (expected === 'no') expect(matching).toEqual([]);
          else expect(matching).toHaveLength(expected);
        }
      },
    );
  });
});

describe('evaluateEnvironments', () => {
  let opaPath: string;
  beforeAll(() => {
    opaPath = toolPath('opa');
  }, BUILD_TIMEOUT_MS);

  const prod: PolicyEnvironment = { ...dev, name: 'prod', domain: 'acme.example', enforcement: 'deny' };
  const budget = {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: metadata('replicated'),
    spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'replicated' } } },
  };
  // dev routes a prod host and lacks the budget; prod has both right, plus an image from elsewhere.
  const devObjects = [
    namespace('shop'),
    route('orders', ['shop.acme.example']),
    deployment('replicated', { replicas: 3 }),
  ];
  const prodObjects = [
    namespace('shop'),
    route('orders', ['shop.acme.example']),
    deployment('replicated', {
      replicas: 3,
      container: container({ image: 'docker.io/library/nginx:1.27.0' }),
    }),
    budget,
  ];

  it('finds in one run what evaluate finds for each environment alone', async () => {
    const together = await evaluateEnvironments(
      [
        { objects: devObjects, env: dev },
        { objects: prodObjects, env: prod },
      ],
      { opaPath },
    );
    const alone = [
      await evaluate(devObjects, dev, { opaPath }),
      await evaluate(prodObjects, prod, { opaPath }),
    ];
    expect(together).toEqual(alone);
    expect(together.map((vs) => vs.map((v) => [v.environment, v.rule, v.enforcement]))).toEqual([
      [
        ['dev', 'disruption-budgets', 'dryrun'],
        ['dev', 'route-hostnames', 'dryrun'],
      ],
      [['prod', 'allowed-registries', 'deny']],
    ]);
  });

  it("never lets one environment's objects satisfy another's referential rule", async () => {
    const [devFound] = await evaluateEnvironments(
      [
        { objects: [namespace('shop'), deployment('replicated', { replicas: 3 })], env: dev },
        { objects: [namespace('shop'), deployment('replicated', { replicas: 3 }), budget], env: prod },
      ],
      { opaPath },
    );
    expect(devFound.map((v) => [v.rule, v.name])).toEqual([['disruption-budgets', 'replicated']]);
  });

  it('fails on an environment given twice, and checks nothing for none', async () => {
    await expect(
      evaluateEnvironments(
        [
          { objects: devObjects, env: dev },
          { objects: prodObjects, env: dev },
        ],
        { opaPath },
      ),
    ).rejects.toThrow('each environment may be given once, got dev again');
    await expect(evaluateEnvironments([], { opaPath: path.join(repoRoot, 'no-such-opa') })).resolves.toEqual(
      [],
    );
  });
});

describe('the objects OPA is given', () => {
  const rule = (match: Record<string, unknown>) => ({ name: 'r', match }) as unknown as PolicyRule;
  const synced = [{ kind: 'PodDisruptionBudget' }];

  it('are those of the kinds the rules name, the synced kinds and Namespaces', () => {
    const kinds = readKinds(
      [
        rule({ kinds: [{ apiGroups: ['apps'], kinds: ['Deployment'] }] }),
        rule({ kinds: [{ apiGroups: [''], kinds: ['Service', 'Secret'] }], namespaceSelector: {} }),
      ],
      synced,
    );
    expect([...kinds!].sort()).toEqual([
      'Deployment',
      'Namespace',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    expect([...readKinds(loadPolicies(), synced)!]).not.toContain('ConstraintTemplate');
  });

  it('are all of them when a rule matches any kind', () => {
    expect(readKinds([rule({ kinds: [{ apiGroups: ['*'], kinds: ['*'] }] })], synced)).toBeUndefined();
    expect(readKinds([rule({ kinds: [] })], synced)).toBeUndefined();
    expect(readKinds([rule({ labelSelector: {} })], synced)).toBeUndefined();
  });
});
