import { environments } from '../../environments';
import type { Cluster } from '../../cluster';
import { istiodReleaseValues } from '../../stacks/addons';
import { barmanCloudCrdsDir } from '../../tools/upstream-crds';
import { installCrds, kubectl, SETUP_TIMEOUT_MS, TEARDOWN_TIMEOUT_MS, waitFor } from './helpers';
import { installConstraintCrds, objectId, renderedEnvironment, startTestCluster } from './platform';

/**
 * Pods as the platform really admits them. Each environment with the Istio mesh is applied to a
 * control plane whose controller manager creates the pods of every Deployment (and of one Job
 * per CronJob), and every such pod passes through Istio's own sidecar injector (istiod, with the
 * environment's istiod values), then Pod Security `restricted` and the namespace's ResourceQuota.
 * No node is needed: admission is what is under test, so pods stay Pending once admitted.
 */
const meshEnvironments = environments
  .filter((e) => (e.mesh?.provider ?? 'istio') === 'istio')
  .map((e) => e.name);

describe.each(meshEnvironments)('pods of %s through injection, Pod Security and quota', (envName) => {
  let cluster: Cluster;
  const kc = () => cluster.kubeconfig;
  const env = environments.find((e) => e.name === envName)!;
  const files = renderedEnvironment(envName);
  const systemNamespaces = files
    .flatMap((f) => f.objects)
    .filter((o) => o.kind === 'Namespace' && o.metadata.labels?.['syskit.io/system'])
    .map((o) => o.metadata.name as string);

  beforeAll(async () => {
    const { parseFleet } = await import('../../model');
    const { loadDeclarations } = await import('../../synth/load');
    const parsed = parseFleet(loadDeclarations('charts'), loadDeclarations('environments'));
    const resolvedEnv = parsed.environments.find((e) => e.name === env.name)!;
    cluster = await startTestCluster({ istio: { values: istiodReleaseValues(resolvedEnv) } });
    await installCrds(kc());
    // Backups go through the Barman Cloud plugin, whose ObjectStore CRD ships with the plugin.
    await installCrds(kc(), barmanCloudCrdsDir());
    await installConstraintCrds(kc());
  }, SETUP_TIMEOUT_MS);

  afterAll(() => cluster?.stop(), TEARDOWN_TIMEOUT_MS);

  it('creates every pod of every Deployment and of a Job from every CronJob, each with the injected proxy', async () => {
    for (const { file, objects } of files) {
      const r = await kubectl(['apply', '--server-side', '--field-manager=syskit', '-f', '-'], kc(), {
        input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
        allowFailure: true,
        timeoutMs: 300_000,
      });
      if (r.code !== 0) throw new Error(`${envName}/${file} was refused:\n${r.stderr}`);
    }
    const cronJobs = files.flatMap((f) => f.objects).filter((o) => o.kind === 'CronJob');
    for (const cj of cronJobs) {
      await kubectl(
        [
          'create',
          'job',
          `${cj.metadata.name}-now`.slice(0, 52),
          `--from=cronjob/${cj.metadata.name}`,
          '-n',
          cj.metadata.namespace,
        ],
        kc(),
      );
    }

    type Owner = { id: string; namespace: string; desired: number; created: () => Promise<number> };
    const deployments = files.flatMap((f) => f.objects).filter((o) => o.kind === 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    const list = async (kind: string, namespace: string) =>
      JSON.parse((await kubectl(['get', kind, '-n', namespace, '-o', 'json'], kc())).stdout).items as any[];

    // Each Deployment's ReplicaSet (the controller makes one per template) and each Job.
    await waitFor(
      'a ReplicaSet for every Deployment',
      async () => {
        for (const ns of systemNamespaces) {
          const rs = await list('replicasets', ns);
          const owners = new Set(rs.map((r) => r.metadata.ownerReferences?.[0]?.name));
          for (const d of deployments.filter((d) => d.metadata.namespace === ns)) {
            if (!owners.has(d.metadata.name)) return false;
          }
        }
        return true;
      },
      120_000,
    );
    const owners: Owner[] = [];
    for (const ns of systemNamespaces) {
      for (const rs of await list('replicasets', ns)) {
        owners.push({
          id: `ReplicaSet/${ns}/${rs.metadata.name}`,
          namespace: ns,
          desired: rs.spec.replicas ?? 1,
          created: async () =>
            JSON.parse((await kubectl(['get', 'rs', rs.metadata.name, '-n', ns, '-o', 'json'], kc())).stdout)
              .status.replicas ?? 0,
        });
      }
      for (const job of await list('jobs', ns)) {
        owners.push({
          id: `Job/${ns}/${job.metadata.name}`,
          namespace: ns,
          desired: 1,
          created: async () => {
            const j = JSON.parse(
              (await kubectl(['get', 'job', job.metadata.name, '-n', ns, '-o', 'json'], kc())).stdout,
            );
            return (j.status.active ?? 0) + (j.status.succeeded ?? 0) + (j.status.failed ?? 0);
          },
        });
      }
    }
    expect(owners.filter((o) => o.id.startsWith('Job/')).length).toBe(cronJobs.length);

    const refusals = async () => {
      const out: string[] = [];
      for (const ns of systemNamespaces) {
        const events = JSON.parse(
          (
            await kubectl(
              ['get', 'events', '-n', ns, '--field-selector', 'reason=FailedCreate', '-o', 'json'],
              kc(),
            )
          ).stdout,
        ).items as any[];
        for (const e of events)
          out.push(`${e.involvedObject.kind}/${ns}/${e.involvedObject.name}: ${e.message}`);
      }
      return [...new Set(out)].sort();
    };
    // Done when every owner has its pods, or stop early once the controllers report refusals.
    let short: string[] = [];
    await waitFor(
      'every ReplicaSet and Job to create its pods (or report why not)',
      async () => {
        short = [];
        for (const o of owners) {
          const n = await o.created();
          if (n < o.desired) short.push(`${o.id}: ${n} of ${o.desired} pods`);
        }
        return short.length === 0 || (await refusals()).length > 0;
      },
      180_000,
      2_000,
    ).catch(() => undefined);
    const refused = await refusals();
    if (refused.length > 0 || short.length > 0) {
      process.stderr.write(
        `${envName}: pods the admission chain refused:\n  ${[...short, ...refused].join('\n  ')}\n`,
      );
    }
    expect({ refused, short }).toEqual({ refused: [], short: [] });

    // Every pod went through Istio's injector: it carries the proxy the webhook added.
    const notInjected: string[] = [];
    for (const ns of systemNamespaces) {
      for (const pod of await list('pods', ns)) {
        const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map(
          (c: any) => c.name,
        );
        if (!containers.includes('istio-proxy'))
          notInjected.push(`${objectId(pod)} (${containers.join(', ')})`);
      }
    }
    expect(notInjected).toEqual([]);
  }, 900_000);
});
