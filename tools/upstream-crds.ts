/**
 * Where the upstream CRDs (Gateway API, Kong, Istio, Linkerd, Gatekeeper, CloudNativePG, Prometheus
 * Operator, cert-manager, Strimzi) that tests install into the local control plane are found.
 *
 * `crdsDir()` returns, in order of preference:
 *   1. `$SYSKIT_CRDS_DIR` (relative paths are taken from the repository root);
 *   2. `../shared/crds` next to the repository (how the development machine is laid out);
 *   3. otherwise, a cache folder filled once from the upstream release files listed in
 *      `UPSTREAM_CRDS` (pinned by commit; needs internet the first time).
 * Each file is joined the same way `SOURCES.md` in the shared folder describes: upstream files
 * byte for byte, `---` between two files only where the next does not already begin with one.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPOSITORY_ROOT } from '../model/repository-root';

export interface UpstreamCrdFile {
  /** File name in the CRDs folder. */
  file: string;
  /** GitHub owner/name. */
  repo: string;
  /** Release tag, for people; `commit` is what is fetched. */
  tag: string;
  commit: string;
  /** Paths in the repository, joined in this order. */
  paths: string[];
}

const each = (dir: string, prefix: string, names: string[], suffix: string) =>
  names.map((n) => `${dir}/${prefix}${n}${suffix}`);

export const UPSTREAM_CRDS: readonly UpstreamCrdFile[] = [
  {
    file: 'gateway-api.yaml',
    repo: 'kubernetes-sigs/gateway-api',
    tag: 'v1.6.1',
    commit: '8bb74df00e56ec8f944d48c25e6c1c9c2f6848e3',
    paths: each(
      'config/crd/standard',
      'gateway.networking.k8s.io_',
      [
        'backendtlspolicies',
        'gatewayclasses',
        'gateways',
        'grpcroutes',
        'httproutes',
        'listenersets',
        'referencegrants',
        'tcproutes',
        'tlsroutes',
        'udproutes',
      ],
      '.yaml',
    ),
  },
  {
    file: 'kong.yaml',
    repo: 'Kong/charts',
    tag: 'kong-3.4.1',
    commit: '694d8dc4772eb1b47bb8ae674738b6b18d2fbbee',
    paths: ['charts/kong/crds/custom-resource-definitions.yaml'],
  },
  {
    file: 'istio.yaml',
    repo: 'istio/istio',
    tag: '1.30.3',
    commit: '56df41f63e513f834c9a3af33d8aed82d1d961f2',
    paths: ['manifests/charts/base/files/crd-all.gen.yaml'],
  },
  {
    file: 'linkerd.yaml',
    repo: 'linkerd/linkerd2',
    tag: 'version-2.20',
    commit: 'eadc1acf79ad2e766afbdceadb77f1594296fd77',
    paths: ['cli/cmd/testdata/install_crds.golden'],
  },
  {
    file: 'gatekeeper.yaml',
    repo: 'open-policy-agent/gatekeeper',
    tag: 'v3.23.0',
    commit: 'cdf332c3f2762c616d4b6f433712a8d7ed62b3d8',
    paths: each(
      'charts/gatekeeper/crds',
      '',
      [
        'assign',
        'assignimage',
        'assignmetadata',
        'config',
        'configpodstatus',
        'connection',
        'connectionpodstatus',
        'constraintpodstatus',
        'constrainttemplate',
        'constrainttemplatepodstatus',
        'expansiontemplate',
        'expansiontemplatepodstatus',
        'modifyset',
        'mutatorpodstatus',
        'provider',
        'providerpodstatus',
        'syncset',
      ],
      '-customresourcedefinition.yaml',
    ),
  },
  {
    file: 'cloudnative-pg.yaml',
    repo: 'cloudnative-pg/cloudnative-pg',
    tag: 'v1.30.0',
    commit: '4b5e244a7d031f67e025c83c1555e7726ecbbfa1',
    paths: each(
      'config/crd/bases',
      'postgresql.cnpg.io_',
      [
        'backups',
        'clusterimagecatalogs',
        'clusters',
        'databaseroles',
        'databases',
        'failoverquorums',
        'imagecatalogs',
        'poolers',
        'publications',
        'scheduledbackups',
        'subscriptions',
      ],
      '.yaml',
    ),
  },
  {
    file: 'prometheus-operator.yaml',
    repo: 'prometheus-operator/prometheus-operator',
    tag: 'v0.93.0',
    commit: 'f8fafd475f3d132e239432ae6172de60a6cb6516',
    paths: each(
      'example/prometheus-operator-crd',
      'monitoring.coreos.com_',
      ['servicemonitors', 'podmonitors', 'prometheusrules'],
      '.yaml',
    ),
  },
  {
    file: 'cert-manager.yaml',
    repo: 'cert-manager/cert-manager',
    tag: 'v1.21.1',
    commit: '24e33194fb39488eff2bbf10c6dc640f407cad44',
    paths: each(
      'deploy/crds',
      '',
      [
        'acme.cert-manager.io_challenges',
        'acme.cert-manager.io_orders',
        'cert-manager.io_certificaterequests',
        'cert-manager.io_certificates',
        'cert-manager.io_clusterissuers',
        'cert-manager.io_issuers',
      ],
      '.yaml',
    ),
  },
  {
    file: 'strimzi.yaml',
    repo: 'strimzi/strimzi-kafka-operator',
    tag: '1.2.0',
    commit: '6c7b43c4af0db547c10463ba09d1dfa6f5e156a0',
    paths: [
      'install/cluster-operator/043-Crd-kafkatopic.yaml',
      'install/cluster-operator/044-Crd-kafkauser.yaml',
    ],
  },
];

/** The repository root, where a relative `SYSKIT_CRDS_DIR` starts. */
export const repoRoot = (): string => REPOSITORY_ROOT;

/** The local CRDs folder if there is one (`$SYSKIT_CRDS_DIR` or `../shared/crds`), else undefined. */
export function localCrdsDir(): string | undefined {
  const configured = process.env.SYSKIT_CRDS_DIR;
  const dir = path.resolve(repoRoot(), configured || path.join('..', 'shared', 'crds'));
  if (fs.existsSync(dir)) return dir;
  if (configured) throw new Error(`SYSKIT_CRDS_DIR=${configured} does not exist (resolved to ${dir})`);
  return undefined;
}

/** A folder holding every file of `UPSTREAM_CRDS`; downloads them into a cache the first time if needed. */
export async function crdsDir(): Promise<string> {
  return localCrdsDir() ?? (await downloadCrds());
}

/** Join upstream files as SOURCES.md describes. */
export function joinUpstreamFiles(contents: string[]): string {
  let out = '';
  contents.forEach((text, i) => {
    if (i > 0 && !text.startsWith('---')) out += out.endsWith('\n') ? '---\n' : '\n---\n';
    out += text;
  });
  return out;
}

async function downloadCrds(): Promise<string> {
  const key = UPSTREAM_CRDS.map((f) => f.commit.slice(0, 8)).join('');
  const root = process.env.SYSKIT_CRDS_CACHE || path.join(os.homedir(), '.cache', 'syskit', 'crds');
  const dir = path.join(root, key);
  if (UPSTREAM_CRDS.every((f) => fs.existsSync(path.join(dir, f.file)))) return dir;
  fs.mkdirSync(dir, { recursive: true });
  for (const f of UPSTREAM_CRDS) {
    const target = path.join(dir, f.file);
    if (fs.existsSync(target)) continue;
    const parts: string[] = [];
    for (const p of f.paths) {
      const url = `https://raw.githubusercontent.com/${f.repo}/${f.commit}/${p}`;
      const res = await fetch(url);
      if (!res.ok)
        throw new Error(`downloading ${url}: HTTP ${res.status} (set SYSKIT_CRDS_DIR to a local copy)`);
      parts.push(await res.text());
    }
    const tmp = `${target}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, joinUpstreamFiles(parts));
    fs.renameSync(tmp, target);
  }
  return dir;
}

/**
 * The Barman Cloud plugin's CRDs (its `ObjectStore`), which are not among the files above: they
 * ship in the plugin's Go module, so the Go module proxy serves them at the pinned release, the
 * version the add-ons install (stacks/addons.ts's BARMAN_CLOUD_PLUGIN_RELEASE; a test keeps the two
 * equal). Returns the folder holding them.
 */
export const BARMAN_CLOUD_MODULE = {
  path: 'github.com/cloudnative-pg/plugin-barman-cloud',
  version: 'v0.15.0',
};

export function barmanCloudCrdsDir(): string {
  const spec = `${BARMAN_CLOUD_MODULE.path}@${BARMAN_CLOUD_MODULE.version}`;
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', spec], {
      encoding: 'utf8',
      // `go mod download` of a module outside any module needs no go.mod; keep it out of the repository's.
      cwd: os.tmpdir(),
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 300_000,
    });
  } catch (error) {
    throw new Error(`go mod download ${spec} failed: ${(error as { stderr?: string }).stderr ?? error}`);
  }
  const dir = path.join((JSON.parse(out) as { Dir: string }).Dir, 'config', 'crd', 'bases');
  if (!fs.existsSync(dir)) throw new Error(`${spec} has no config/crd/bases`);
  return dir;
}

/**
 * Where cdk8s.yaml finds the Barman Cloud plugin's CRD for `cdk8s import`: a copy out of the Go
 * module cache (whose place differs per machine) at a path relative to the repository root, in the
 * repository's ignored state folder. `npm run import-crds` and the bindings test fill it first.
 */
export const STAGED_BARMAN_CLOUD_CRD = path.join('.syskit', 'crds', 'barmancloud.cnpg.io_objectstores.yaml');

/** Copies the Barman Cloud plugin's CRD to `STAGED_BARMAN_CLOUD_CRD`; returns its absolute path. */
export function stageBarmanCloudCrd(): string {
  const source = path.join(barmanCloudCrdsDir(), path.basename(STAGED_BARMAN_CLOUD_CRD));
  const target = path.join(repoRoot(), STAGED_BARMAN_CLOUD_CRD);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  fs.copyFileSync(source, tmp);
  fs.renameSync(tmp, target);
  return target;
}
