import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import {
  constraintFor,
  gatekeeperConfig,
  loadPolicies,
  templateSource,
  type PolicyEnvironment,
} from '../../policies/catalog';
import { syncTemplates } from '../../policies/sync-templates';
import { repoRoot } from './tools';

const policiesDir = path.join(repoRoot, 'policies');

const prod: PolicyEnvironment = {
  name: 'prod',
  domain: 'acme.example',
  allowedRegistries: ['ghcr.io/acme/'],
  mesh: 'istio',
  enforcement: 'deny',
  exemptImages: ['docker.io/istio/proxyv2:*'],
};

const systemNamespaces = { matchExpressions: [{ key: 'syskit.io/system', operator: 'Exists' }] };

const readYaml = (file: string): Record<string, unknown> => parse(fs.readFileSync(file, 'utf8'));

describe('loadPolicies', () => {
  const rules = loadPolicies();

  it('reads every rule folder, sorted by name', () => {
    expect(rules.map((r) => [r.name, r.kind])).toEqual([
      ['allowed-registries', 'SyskitAllowedRegistries'],
      ['container-probes', 'SyskitContainerProbes'],
      ['container-resources', 'SyskitContainerResources'],
      ['container-security-context', 'SyskitContainerSecurityContext'],
      ['disruption-budgets', 'SyskitDisruptionBudgets'],
      ['no-external-services', 'SyskitNoExternalServices'],
      ['no-ingress', 'SyskitNoIngress'],
      ['no-literal-secrets', 'SyskitNoLiteralSecrets'],
      ['no-privileged-access', 'SyskitNoPrivilegedAccess'],
      ['pinned-images', 'SyskitPinnedImages'],
      ['required-labels', 'SyskitRequiredLabels'],
      ['route-hostnames', 'SyskitRouteHostnames'],
      ['system-namespaces', 'SyskitSystemNamespaces'],
    ]);
  });

  it.each(rules.map((r) => [r.name, r]))(
    '%s: template.yaml carries exactly src.rego and its libs',
    (name, rule) => {
      const src = fs.readFileSync(path.join(policiesDir, name, 'src.rego'), 'utf8');
      const template = readYaml(path.join(policiesDir, name, 'template.yaml'));
      const source = templateSource(template);
      expect(source?.rego).toBe(src);
      expect(source?.version).toBe('v1');
      expect(source?.libs).toEqual([
        fs.readFileSync(path.join(policiesDir, 'lib', 'kubernetes.rego'), 'utf8'),
      ]);
      expect(rule.rego).toBe(src);
      expect(rule.regoPackage).toBe(`syskit.rules.${name.replace(/-/g, '_')}`);
      expect(template).toMatchObject({
        apiVersion: 'templates.gatekeeper.sh/v1',
        kind: 'ConstraintTemplate',
        metadata: { name: rule.kind.toLowerCase() },
      });
    },
  );

  it('finds no template to regenerate', () => {
    expect(syncTemplates(policiesDir, true)).toEqual([]);
  });

  it.each(rules.map((r) => [r.name, r]))(
    '%s: ships allowed and disallowed samples, each run by suite.yaml, with the catalog match',
    (name, rule) => {
      const samplesDir = path.join(policiesDir, name, 'samples');
      const cases = fs
        .readdirSync(samplesDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name);
      expect(cases.length).toBeGreaterThan(0);
      const suite = readYaml(path.join(policiesDir, name, 'suite.yaml')) as {
        tests: Array<{ template: string; constraint: string; cases: Array<{ object: string }> }>;
      };
      const tested = new Set(suite.tests.flatMap((t) => t.cases.map((c) => c.object)));
      for (const sample of cases) {
        const files = fs.readdirSync(path.join(samplesDir, sample));
        const examples = files.filter((f) => f.startsWith('example_'));
        expect(examples.some((f) => f.startsWith('example_allowed'))).toBe(true);
        expect(examples.some((f) => f.startsWith('example_disallowed'))).toBe(true);
        for (const example of examples) expect(tested).toContain(`samples/${sample}/${example}`);

        const constraint = readYaml(path.join(samplesDir, sample, 'constraint.yaml')) as {
          kind: string;
          spec: { match: unknown };
        };
        expect(constraint.kind).toBe(rule.kind);
        // The samples prove what the cluster will do only if they select what the catalog selects.
        expect(constraint.spec.match).toEqual(rule.match);
      }
      for (const test of suite.tests) expect(test.template).toBe('template.yaml');
    },
  );

  it('fails when a template no longer carries its src.rego', () => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-policies-'));
    try {
      fs.cpSync(policiesDir, copy, { recursive: true });
      fs.appendFileSync(path.join(copy, 'no-ingress', 'src.rego'), '\n# edited without syncing\n');
      expect(() => loadPolicies(copy)).toThrow(
        'no-ingress: template.yaml does not carry src.rego and its libs; run policies/sync-templates.ts',
      );
      expect(syncTemplates(copy)).toEqual(['no-ingress']);
      expect(loadPolicies(copy)).toHaveLength(13);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });
});

describe('constraintFor', () => {
  const rules = loadPolicies();
  const rule = (name: string) => rules.find((r) => r.name === name)!;

  it('binds a rule to the environment parameters and enforcement', () => {
    expect(constraintFor(rule('allowed-registries'), prod)).toEqual({
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind: 'SyskitAllowedRegistries',
      metadata: {
        name: 'allowed-registries',
        labels: { 'app.kubernetes.io/managed-by': 'syskit', 'syskit.io/environment': 'prod' },
      },
      spec: {
        enforcementAction: 'deny',
        match: {
          kinds: [
            { apiGroups: [''], kinds: ['Pod'] },
            { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet'] },
            { apiGroups: ['batch'], kinds: ['Job', 'CronJob'] },
          ],
          namespaceSelector: systemNamespaces,
        },
        parameters: { registries: ['ghcr.io/acme/'], exemptImages: ['docker.io/istio/proxyv2:*'] },
      },
    });
  });

  it('leaves out parameters for a rule that takes none', () => {
    const constraint = constraintFor(rule('no-ingress'), { ...prod, enforcement: 'dryrun' }) as {
      spec: Record<string, unknown>;
    };
    expect(constraint.spec).toEqual({
      enforcementAction: 'dryrun',
      match: {
        kinds: [{ apiGroups: ['networking.k8s.io', 'extensions'], kinds: ['Ingress'] }],
        namespaceSelector: systemNamespaces,
      },
    });
  });

  it('selects system namespaces by their own labels and passes the mesh', () => {
    expect(
      (constraintFor(rule('system-namespaces'), { ...prod, mesh: 'linkerd' }) as { spec: unknown }).spec,
    ).toEqual({
      enforcementAction: 'deny',
      match: { kinds: [{ apiGroups: [''], kinds: ['Namespace'] }], labelSelector: systemNamespaces },
      parameters: { mesh: 'linkerd' },
    });
  });

  it('passes the domain, the ownership labels and the default secret types', () => {
    const parameters = (name: string) =>
      (constraintFor(rule(name), prod) as { spec: { parameters?: unknown } }).spec.parameters;
    expect(parameters('route-hostnames')).toEqual({ domain: 'acme.example' });
    expect(parameters('required-labels')).toEqual({
      labels: ['syskit.io/owner', 'syskit.io/system', 'syskit.io/environment'],
    });
    expect(parameters('no-literal-secrets')).toEqual({
      allowedTypes: ['kubernetes.io/service-account-token', 'kubernetes.io/tls'],
    });
    expect(parameters('pinned-images')).toEqual({
      exemptImages: ['docker.io/istio/proxyv2:*'],
      requireDigests: false,
    });
  });

  it('is accepted by the template schema of every rule', () => {
    // Every parameter the catalog passes must be declared by the template's openAPIV3Schema.
    for (const r of rules) {
      const declared = Object.keys(
        ((r.template.spec as { crd: { spec: { validation: { openAPIV3Schema: { properties?: object } } } } })
          .crd.spec.validation.openAPIV3Schema.properties ?? {}) as object,
      ).sort();
      expect({ rule: r.name, parameters: Object.keys(r.parameters(prod) ?? {}).sort() }).toEqual({
        rule: r.name,
        parameters: declared,
      });
    }
  });
});

describe('gatekeeperConfig', () => {
  it('syncs Namespaces and what the referential rules read', () => {
    expect(gatekeeperConfig()).toEqual({
      apiVersion: 'config.gatekeeper.sh/v1alpha1',
      kind: 'Config',
      metadata: { name: 'config', namespace: 'gatekeeper-system' },
      spec: {
        sync: {
          syncOnly: [
            { group: '', version: 'v1', kind: 'Namespace' },
            { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
            { group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
          ],
        },
      },
    });
  });
});

describe('samples', () => {
  it('hold one object per example file, as gator requires', () => {
    for (const rule of loadPolicies()) {
      const samplesDir = path.join(policiesDir, rule.name, 'samples');
      for (const sample of fs
        .readdirSync(samplesDir, { withFileTypes: true })
        .filter((e) => e.isDirectory())) {
        for (const file of fs
          .readdirSync(path.join(samplesDir, sample.name))
          .filter((f) => f.startsWith('example_'))) {
          const docs = parseAllDocuments(fs.readFileSync(path.join(samplesDir, sample.name, file), 'utf8'));
          expect({ file: `${rule.name}/${sample.name}/${file}`, objects: docs.length }).toEqual({
            file: `${rule.name}/${sample.name}/${file}`,
            objects: 1,
          });
        }
      }
    }
  });
});
