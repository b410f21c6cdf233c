import dev from '../../environments/dev';
import { testChart } from '../cdk8s';
import staging from '../../environments/staging';
import prod from '../../environments/prod';
import { SystemDatabase } from '../../constructs/database';
import { databaseBootstrapSql } from '../../constructs/database-access';
import type { EnvironmentInput } from '../../model';
import { accounts, shop } from '../fixtures/fleet';
import { chartObjects, ephemeral, find, ofKind, resolveIn } from './system-objects';

const cluster = (env: EnvironmentInput, systems = [shop, accounts]) =>
  find(chartObjects(resolveIn(env, 'shop', systems)), 'Cluster', 'shop-db');
const kinds = (env: EnvironmentInput) =>
  chartObjects(resolveIn(env))
    .filter((o) => o.apiVersion === 'postgresql.cnpg.io/v1' || o.kind === 'PodMonitor')
    .map((o) => `${o.kind}/${o.metadata.name}`);

describe('SystemDatabase', () => {
  it('runs one instance without backups or pooling in dev', () => {
    expect(kinds(dev)).toEqual(['Cluster/shop-db', 'PodMonitor/shop-db']);
    const spec = cluster(dev).spec;
    expect(spec.instances).toBe(1);
    expect(spec.backup).toBeUndefined();
    expect(spec.affinity).toBeUndefined();
    // A single instance's disruption budget would block every node drain.
    expect(spec.enablePDB).toBe(false);
  });

  it('backs up through the Barman Cloud plugin, with a retention policy and a daily ScheduledBackup in staging, without pooling', () => {
    expect(kinds(staging)).toEqual([
      'Cluster/shop-db',
      'ScheduledBackup/shop-db-daily',
      'PodMonitor/shop-db',
    ]);
    const spec = cluster(staging).spec;
    // The in-tree object store is deprecated in CloudNativePG 1.30 and gone in 1.31.
    expect(spec.backup).toBeUndefined();
    expect(spec.plugins).toEqual([
      {
        name: 'barman-cloud.cloudnative-pg.io',
        isWALArchiver: true,
        parameters: { barmanObjectName: 'shop-db' },
      },
    ]);
    const objects = chartObjects(resolveIn(staging));
    expect(find(objects, 'ObjectStore', 'shop-db')).toMatchObject({
      apiVersion: 'barmancloud.cnpg.io/v1',
      spec: {
        configuration: {
          destinationPath: 's3://acme-staging-db-backups/shop',
          endpointURL: 'https://s3.eu-west-1.amazonaws.com',
          s3Credentials: {
            accessKeyId: { name: 'db-backup-credentials', key: 'ACCESS_KEY_ID' },
            secretAccessKey: { name: 'db-backup-credentials', key: 'ACCESS_SECRET_KEY' },
          },
          wal: { compression: 'gzip' },
          data: { compression: 'gzip' },
        },
        retentionPolicy: '7d',
      },
    });
    expect(find(objects, 'ScheduledBackup', 'shop-db-daily').spec).toEqual({
      cluster: { name: 'shop-db' },
      schedule: '0 0 3 * * *',
      method: 'plugin',
      pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      immediate: true,
      backupOwnerReference: 'self',
    });
  });

  it('declares the group roles Vault users join, so the operator keeps them as declared after bootstrap', () => {
    expect(cluster(dev).spec.managed.roles).toEqual([
      expect.objectContaining({ name: 'shop_readonly', ensure: 'present', login: false }),
      expect.objectContaining({
        name: 'shop_readwrite',
        ensure: 'present',
        login: false,
        inRoles: ['shop_readonly'],
      }),
    ]);
  });

  it('adds a PgBouncer pooler in front of the primary in prod, and spreads instances over nodes', () => {
    expect(kinds(prod)).toEqual([
      'Cluster/shop-db',
      'ScheduledBackup/shop-db-daily',
      'PodMonitor/shop-db',
      'Pooler/shop-db-pooler',
      'PodMonitor/shop-db-pooler',
    ]);
    const objects = chartObjects(resolveIn(prod));
    const pooler = find(objects, 'Pooler', 'shop-db-pooler').spec;
    expect(pooler).toMatchObject({
      cluster: { name: 'shop-db' },
      type: 'rw',
      instances: 2,
      pgbouncer: { poolMode: 'transaction' },
    });
    expect(pooler.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(pooler.template.spec.containers).toEqual([
      {
        name: 'pgbouncer',
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '128Mi' } },
      },
    ]);
    const spec = cluster(prod).spec;
    expect(spec.instances).toBe(3);
    expect(spec.enablePDB).toBe(true);
    expect(find(objects, 'ObjectStore', 'shop-db').spec.retentionPolicy).toBe('30d');
    expect(spec.affinity).toEqual({
      enablePodAntiAffinity: true,
      podAntiAffinityType: 'required',
      topologyKey: 'kubernetes.io/hostname',
    });
  });

  it('archives each namespace to its own folder, so an ephemeral copy never writes into the backups of its base', () => {
    const withBackups = { ...ephemeral(staging, 'pr-7'), database: staging.database };
    const objects = chartObjects(resolveIn(withBackups));
    expect(find(objects, 'ObjectStore', 'shop-db').spec.configuration.destinationPath).toBe(
      's3://acme-staging-db-backups/shop-pr-7',
    );
  });

  it('pins the PostgreSQL image to a minor release of the declared major', () => {
    expect(cluster(dev).spec.imageName).toBe('ghcr.io/cloudnative-pg/postgresql:17.11-system-trixie');
    const v16 = { ...shop, database: { storage: '1Gi', version: '16' as const } };
    expect(cluster(dev, [v16, accounts]).spec.imageName).toMatch(
      /^ghcr\.io\/cloudnative-pg\/postgresql:16\.\d+-system-trixie$/,
    );
  });

  it('bootstraps the database with an operator-generated owner secret and no superuser access', () => {
    const spec = cluster(dev).spec;
    expect(spec.enableSuperuserAccess).toBe(false);
    expect(spec.bootstrap.initdb).toEqual({
      database: 'shop',
      owner: 'shop',
      dataChecksums: true,
      postInitApplicationSQL: databaseBootstrapSql(resolveIn(dev)),
    });
    expect(spec.bootstrap.initdb.secret).toBeUndefined();
    expect(spec.superuserSecret).toBeUndefined();
    for (const env of [dev, staging, prod])
      expect(ofKind(chartObjects(resolveIn(env)), 'Secret')).toEqual([]);
  });

  it('creates the group roles Vault hands out members of, and lets the owner create those members', () => {
    expect(databaseBootstrapSql(resolveIn(dev))).toEqual([
      'CREATE ROLE "shop_readonly" NOLOGIN',
      'CREATE ROLE "shop_readwrite" NOLOGIN IN ROLE "shop_readonly"',
      'GRANT USAGE ON SCHEMA public TO "shop_readonly"',
      'GRANT USAGE, CREATE ON SCHEMA public TO "shop_readwrite"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "shop" IN SCHEMA public GRANT SELECT ON TABLES TO "shop_readonly"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "shop" IN SCHEMA public GRANT SELECT ON SEQUENCES TO "shop_readonly"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "shop" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "shop_readwrite"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "shop" IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO "shop_readwrite"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "shop_readwrite" IN SCHEMA public GRANT SELECT ON TABLES TO "shop_readonly"',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "shop_readwrite" IN SCHEMA public GRANT SELECT ON SEQUENCES TO "shop_readonly"',
      'GRANT "shop_readonly", "shop_readwrite" TO "shop" WITH ADMIN OPTION',
      'ALTER ROLE "shop" CREATEROLE',
    ]);
    expect(databaseBootstrapSql(resolveIn(dev)).join('\n')).not.toMatch(/PASSWORD/i);
  });

  it('sizes storage and resources, and merges the system parameters over the platform defaults', () => {
    const tuned = {
      ...shop,
      database: { storage: '5Gi', parameters: { max_connections: '300', log_min_duration_statement: '250' } },
    };
    const spec = cluster(prod, [tuned, accounts]).spec;
    expect(spec.storage).toEqual({ size: '5Gi', storageClass: 'gp3' });
    expect(spec.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
    expect(spec.postgresql.parameters).toEqual({
      log_lock_waits: 'on',
      log_min_duration_statement: '250',
      max_connections: '300',
    });
  });

  it('manages declared extensions through a Database, preloading pg_stat_statements', () => {
    const withExtensions = {
      ...shop,
      database: { storage: '1Gi', extensions: ['pgcrypto', 'pg_stat_statements'] },
    };
    const objects = chartObjects(resolveIn(dev, 'shop', [withExtensions, accounts]));
    expect(find(objects, 'Database', 'shop-db').spec).toEqual({
      cluster: { name: 'shop-db' },
      name: 'shop',
      owner: 'shop',
      databaseReclaimPolicy: 'retain',
      extensions: [
        { name: 'pg_stat_statements', ensure: 'present' },
        { name: 'pgcrypto', ensure: 'present' },
      ],
    });
    expect(find(objects, 'Cluster', 'shop-db').spec.postgresql.parameters['pg_stat_statements.track']).toBe(
      'top',
    );
    expect(ofKind(chartObjects(resolveIn(dev)), 'Database')).toEqual([]);
  });

  it('passes Pod Security restricted and keeps the instances out of the mesh', () => {
    const spec = cluster(dev).spec;
    expect(spec.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(spec.securityContext).toBeUndefined();
    expect(spec.podSecurityContext).toBeUndefined();
    expect(spec.inheritedMetadata.labels).toMatchObject({
      'sidecar.istio.io/inject': 'false',
      'syskit.io/system': 'shop',
    });
  });

  it('scrapes the instances with a PodMonitor, since the Cluster field for it is deprecated', () => {
    expect(cluster(dev).spec.monitoring).toBeUndefined();
    expect(find(chartObjects(resolveIn(dev)), 'PodMonitor', 'shop-db').spec).toEqual({
      selector: { matchLabels: { 'cnpg.io/cluster': 'shop-db', 'cnpg.io/podRole': 'instance' } },
      podMetricsEndpoints: [{ port: 'metrics' }],
    });
  });

  it('fails a system without a database', () => {
    expect(() => new SystemDatabase(testChart(), 'db', { system: resolveIn(dev, 'accounts') })).toThrow(
      'system "accounts" declares no database; leave SystemDatabase out',
    );
  });

  it('fails a major version without a pinned image', () => {
    const system = resolveIn(dev);
    const old = { ...system, database: { ...system.database!, version: '14' } };
    expect(() => new SystemDatabase(testChart(), 'db', { system: old })).toThrow(
      'no pinned PostgreSQL image for major version "14"; expected one of 15, 16, 17, 18',
    );
  });
});
