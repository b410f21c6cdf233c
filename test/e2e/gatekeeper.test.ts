import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { environments } from '../../environments';
import { GATEKEEPER_WEBHOOK, type Cluster } from '../../cluster';
import { differentialFixture } from './gatekeeper-differential';
import { installCrds, kubectl, SETUP_TIMEOUT_MS, TEARDOWN_TIMEOUT_MS, waitFor } from './helpers';
import {
  objectId,
  renderedEnvironment,
  startTestCluster,
  syskitProcess,
  tempDir,
  type K8sObject,
} from './platform';

/**
 * The real Gatekeeper (its controller manager built from the module syskit's templates target)
 * as the cluster's validating webhook: it compiles every template, enforces each environment's
 * constraints as the environment says (deny, warn, dryrun), and agrees with `syskit validate`
 * object by object and rule by rule.
 */
const isConstraint = (o: K8sObject) => String(o.apiVersion).startsWith('constraints.gatekeeper.sh/');
const UNCOMPILABLE = path.join(__dirname, '../fixtures/admission/uncompilable-template.yaml');

describe('Gatekeeper as the admission webhook', () => {
  let cluster: Cluster;
  let work: string;
  const kc = () => cluster.kubeconfig;
  const platformOf = (env: string) => renderedEnvironment(env)[0].objects;

  beforeAll(async () => {
    cluster = await startTestCluster({ gatekeeper: { auditIntervalSeconds: 5 } });
    await installCrds(kc());
    work = tempDir('syskit-gatekeeper-e2e-');
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cluster?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, TEARDOWN_TIMEOUT_MS);

  const apply = (objects: K8sObject[], allowFailure = false) =>
    kubectl(['apply', '--server-side', '--force-conflicts', '--field-manager=syskit', '-f', '-'], kc(), {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      allowFailure,
    });

  /** Apply one environment's Config and constraints and wait until Gatekeeper enforces each. */
  async function enforce(env: string): Promise<K8sObject[]> {
    const platform = platformOf(env);
    const constraints = platform.filter(isConstraint);
    await apply(platform.filter((o) => o.kind === 'Config'));
    await apply(constraints);
    await waitFor(
      `Gatekeeper to enforce the ${env} constraints`,
      async () => {
        for (const c of constraints) {
          const r = await kubectl(['get', c.kind.toLowerCase(), c.metadata.name, '-o', 'json'], kc());
          const status = JSON.parse(r.stdout).status;
          if (!status?.byPod?.some((p: any) => p.enforced === true)) return false;
          if (JSON.parse(r.stdout).spec.enforcementAction !== c.spec.enforcementAction) return false;
        }
        return true;
      },
      180_000,
      1_000,
    );
    return constraints;
  }

  it('compiles every ConstraintTemplate syskit writes', async () => {
    const templates = platformOf('prod').filter((o) => o.kind === 'ConstraintTemplate');
    expect(templates.length).toBeGreaterThan(10);
    await apply(templates);
    const notCreated: string[] = [];
    await waitFor(
      'every template to be created by Gatekeeper',
      async () => {
        notCreated.length = 0;
        for (const t of templates) {
          const status = JSON.parse(
            (await kubectl(['get', 'constrainttemplate', t.metadata.name, '-o', 'json'], kc())).stdout,
          ).status;
          const errors = (status?.byPod ?? []).flatMap((p: any) => p.errors ?? []);
          if (status?.created !== true || errors.length > 0)
            notCreated.push(`${t.metadata.name}: created=${status?.created} ${JSON.stringify(errors)}`);
        }
        return notCreated.length === 0;
      },
      180_000,
      1_000,
    ).catch(() => undefined);
    expect(notCreated).toEqual([]);
  }, 240_000);

  it('refuses the template syskit validate refuses, for the same reason', async () => {
    const validate = await syskitProcess(['validate', '--manifests', UNCOMPILABLE, '--env', 'dev']);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain(
      'ConstraintTemplate/syskitrequiredteam: Gatekeeper would not compile it',
    );
    expect(validate.stderr).toContain('var team is unsafe');
    const r = await kubectl(['apply', '--server-side', '-f', UNCOMPILABLE], kc(), { allowFailure: true });
    let gatekeeperSays = r.stderr;
    if (r.code === 0) {
      // Admitted: then its controller reports why it cannot create it.
      await waitFor('the template status', async () => {
        const status = JSON.parse(
          (await kubectl(['get', 'constrainttemplate', 'syskitrequiredteam', '-o', 'json'], kc())).stdout,
        ).status;
        gatekeeperSays = JSON.stringify(status?.byPod ?? []);
        return gatekeeperSays.includes('errors');
      });
      await kubectl(['delete', 'constrainttemplate', 'syskitrequiredteam'], kc());
    }
    expect(gatekeeperSays).toMatch(/var team is unsafe/);
  }, 180_000);

  describe.each(environments.map((e) => [e.name, e.policy.enforcement] as const))(
    'in %s (%s)',
    (envName, enforcement) => {
      const namespace = `admission-${envName}`;
      let good: K8sObject;
      let bad: K8sObject;

      beforeAll(async () => {
        await enforce(envName);
        const rendered = renderedEnvironment(envName).flatMap((f) => f.objects);
        const systemNs = rendered.find(
          (o) => o.kind === 'Namespace' && o.metadata.labels?.['syskit.io/system'],
        )!;
        const ns = structuredClone(systemNs);
        ns.metadata.name = namespace;
        delete ns.metadata.labels['kubernetes.io/metadata.name'];
        await apply([ns]);
        const deployment = rendered.find(
          (o) => o.kind === 'Deployment' && o.metadata.namespace === systemNs.metadata.name,
        )!;
        good = structuredClone(deployment);
        good.metadata.namespace = namespace;
        good.metadata.name = 'conforming';
        good.spec.replicas = 1;
        bad = structuredClone(good);
        bad.metadata.name = 'from-docker-hub';
        for (const c of bad.spec.template.spec.containers) c.image = 'docker.io/library/nginx:1.27.3';
      }, 300_000);

      it('admits a conforming Deployment without a warning', async () => {
        const r = await apply([good], true);
        expect(r.code).toBe(0);
        expect(r.stderr).not.toMatch(/\[[a-z-]+\]/);
      });

      it(
        enforcement === 'deny'
          ? 'refuses a Deployment from an outside registry at admission, naming the rule'
          : enforcement === 'warn'
            ? 'admits a Deployment from an outside registry with a warning naming the rule'
            : 'admits a Deployment from an outside registry and records it in the audit',
        async () => {
          const r = await apply([bad], true);
          if (enforcement === 'deny') {
            expect(r.code).not.toBe(0);
            expect(r.stderr).toContain(`admission webhook "${GATEKEEPER_WEBHOOK}" denied the request`);
            expect(r.stderr).toContain('[allowed-registries]');
            expect(
              (
                await kubectl(['get', 'deploy', bad.metadata.name, '-n', namespace], kc(), {
                  allowFailure: true,
                })
              ).code,
            ).not.toBe(0);
            return;
          }
          expect(r.code).toBe(0);
          if (enforcement === 'warn') {
            expect(r.stderr).toMatch(/Warning: \[allowed-registries\] .*docker\.io\/library\/nginx:1\.27\.3/);
            return;
          }
          expect(r.stderr).not.toContain('[allowed-registries]');
          let violations: any[] = [];
          await waitFor(
            'the audit to record the Deployment',
            async () => {
              const status = JSON.parse(
                (await kubectl(['get', 'syskitallowedregistries', 'allowed-registries', '-o', 'json'], kc()))
                  .stdout,
              ).status;
              violations = status?.violations ?? [];
              return violations.some((v) => v.kind === 'Deployment' && v.name === bad.metadata.name);
            },
            120_000,
            2_000,
          );
          expect(violations.find((v) => v.name === bad.metadata.name)).toMatchObject({
            kind: 'Deployment',
            namespace,
            enforcementAction: 'dryrun',
          });
        },
        180_000,
      );
    },
  );

  it('agrees with syskit validate on every sample object, rule by rule', async () => {
    const fixture = differentialFixture();
    expect(fixture.length).toBeGreaterThan(40);
    const file = path.join(work, 'fixture.yaml');
    fs.writeFileSync(file, fixture.map((o) => stringify(o)).join('---\n'));

    // syskit's verdicts, through the CLI.
    const validate = await syskitProcess(['validate', '--manifests', file, '--env', 'qa', '--json']);
    expect(validate.stderr).toBe('');
    const syskitSays = new Map<string, string[]>(fixture.map((o) => [objectId(o), []]));
    for (const v of JSON.parse(validate.stdout).violations as any[]) {
      const id = `${v.kind}/${v.namespace ? `${v.namespace}/` : ''}${v.name}`;
      syskitSays.get(id)?.push(v.rule);
    }

    // Gatekeeper's: qa warns, so every object is admitted and each violation comes back as a warning.
    await enforce('qa');
    const canaryNs = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'gk-canary', labels: { 'syskit.io/system': 'canary' } },
    };
    const canaryLabels = { 'app.kubernetes.io/name': 'canary' };
    const canaryPdb = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'canary', namespace: 'gk-canary' },
      spec: { maxUnavailable: 1, selector: { matchLabels: canaryLabels } },
    };
    const inventoryKinds = new Set(['Namespace', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
    await apply([canaryNs, ...fixture.filter((o) => o.kind === 'Namespace')]);
    await apply([canaryPdb, ...fixture.filter((o) => inventoryKinds.has(o.kind) && o.kind !== 'Namespace')]);
    // A Pod names its ServiceAccount, and the API server refuses a Pod whose ServiceAccount does
    // not exist before Gatekeeper is asked: give the sample Pods theirs, as a cluster would.
    await apply(
      fixture
        .filter((o) => o.kind === 'Pod' && o.spec?.serviceAccountName)
        .map((o) => ({
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: o.spec.serviceAccountName, namespace: o.metadata.namespace },
        })),
    );
    // Gatekeeper reads PodDisruptionBudgets from its synced cache; wait until it has them.
    const canary = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'canary', namespace: 'gk-canary' },
      spec: {
        replicas: 2,
        selector: { matchLabels: canaryLabels },
        template: { metadata: { labels: canaryLabels }, spec: { containers: [{ name: 'c', image: 'x' }] } },
      },
    };
    await waitFor(
      'Gatekeeper to sync the PodDisruptionBudgets',
      async () => {
        const r = await kubectl(['create', '--dry-run=server', '-f', '-'], kc(), {
          input: JSON.stringify(canary),
        });
        return !r.stderr.includes('[disruption-budgets]');
      },
      120_000,
      1_000,
    );
    const gatekeeperSays = new Map<string, string[]>();
    const failed: string[] = [];
    // Inventory objects were admitted above; their verdicts come from a server-side dry run.
    for (const o of fixture) {
      const first = inventoryKinds.has(o.kind);
      const r = first
        ? await kubectl(
            ['apply', '--server-side', '--dry-run=server', '--force-conflicts', '-f', '-'],
            kc(),
            {
              input: JSON.stringify(o),
              allowFailure: true,
            },
          )
        : await apply([o], true);
      if (r.code !== 0) failed.push(`${objectId(o)}: ${r.stderr.trim()}`);
      const rules = [...r.stderr.matchAll(/^Warning: \[([a-z0-9-]+)\]/gm)].map((m) => m[1]);
      gatekeeperSays.set(objectId(o), rules);
    }
    expect(failed).toEqual([]);
    const verdicts = (m: Map<string, string[]>) =>
      Object.fromEntries(
        [...m.entries()].map(([id, rules]) => [id, [...new Set(rules)].sort().join(',') || 'admitted']),
      );
    expect(verdicts(gatekeeperSays)).toEqual(verdicts(syskitSays));
    // The fixture must exercise the rules, not only agree on silence.
    expect(new Set([...syskitSays.values()].flat()).size).toBeGreaterThanOrEqual(12);
  }, 900_000);
});
