import * as path from 'node:path';
import type { PlatformOptions } from '../cluster';
import { UsageError } from '../synth/errors';
import { stateDir } from '../stacks/state-dir';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const CLUSTER_HELP = `Usage: syskit cluster <up|down> [options]

Starts or stops a local Kubernetes cluster built from the pinned Kubernetes
release: etcd, kube-apiserver (Pod Security admission, RBAC),
kube-controller-manager, and with --node one node as well.

The node lives in a network namespace of its own: kubelet, kube-proxy and
kube-scheduler from the same Kubernetes release, containerd, runc and the CNI
plugins from Debian's packages, CoreDNS and kube-network-policies as pods from
locally built images. Needs root.

With --platform the platform's admission chain and services run beside it,
each a local process the API server calls by URL: Istio's sidecar injector
(istiod, with Istio's own injection templates and the environment's istiod
values), Gatekeeper's webhook and audit, a dev-mode Vault and a private
PostgreSQL. No node is needed for admission.

  up     build the binaries if needed (first time: many minutes), start, wait
         until everything is ready, print the kubeconfig path
  down   stop every process and remove the cluster's data, and with a node its
         mounts, cgroups and network namespace (with its interfaces and rules)

Options:
  --dir <path>   where the cluster keeps its data (default: .syskit/cluster)
  --node         also start the node, so pods run (up only)
  --platform     also start istiod, Gatekeeper, Vault and PostgreSQL (up only)
  --env <name>   whose istiod values the injector uses (default: dev)
  -h, --help     show this help`;

export async function clusterCommand(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      dir: { type: 'string' },
      node: { type: 'boolean' },
      platform: { type: 'boolean' },
      env: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    1,
  );
  if (values.help) {
    io.out(CLUSTER_HELP);
    return EXIT.ok;
  }
  const { startCluster, stopCluster } = await import('../cluster');
  const dir = path.resolve(values.dir ?? path.join(stateDir(), 'cluster'));
  const [action] = positionals;
  if (action === 'up') {
    if (values.env !== undefined && !values.platform) throw new UsageError('--env goes with --platform');
    const platform = values.platform ? await platformFor(values.env ?? 'dev') : undefined;
    const cluster = await startCluster({
      dir,
      node: values.node === true,
      platform,
      log: (line) => io.err(line),
    });
    io.out(`cluster ready at ${cluster.server}`);
    if (cluster.netns) io.out(`node: network namespace ${cluster.netns}`);
    io.out(`kubeconfig: ${cluster.kubeconfig}`);
    const { istiod, gatekeeper, vault, postgres } = cluster.platform;
    if (istiod) io.out(`istio injection webhook: ${istiod.url}`);
    if (gatekeeper) io.out(`gatekeeper webhook: ${gatekeeper.url}`);
    if (vault) io.out(`vault: VAULT_ADDR=${vault.address} VAULT_TOKEN=${vault.token}`);
    if (postgres) io.out(`postgres: ${postgres.host}:${postgres.port} (superuser ${postgres.superuser})`);
    return EXIT.ok;
  }
  if (action === 'down') {
    if (values.platform || values.env) throw new UsageError('--platform and --env are for "cluster up"');
    if (values.node)
      throw new UsageError('--node is for "cluster up"; "cluster down" always removes the node');
    await stopCluster(dir);
    io.out(`cluster in ${dir} stopped and removed`);
    return EXIT.ok;
  }
  throw new UsageError(`expected "cluster up" or "cluster down"${action ? `, got "cluster ${action}"` : ''}`);
}

/** Every platform component, istiod with the named environment's Helm values. */
async function platformFor(envName: string): Promise<PlatformOptions> {
  const { FULL_PLATFORM } = await import('../cluster');
  const { environments } = planFromFlags({ env: envName });
  const { istiodReleaseValues } = await import('../stacks/addons');
  return { ...FULL_PLATFORM, istio: { values: istiodReleaseValues(environments[0]) } };
}
