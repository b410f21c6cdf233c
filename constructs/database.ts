import { Construct } from 'constructs';
import type { ResolvedDatabase, ResolvedSystem } from '../model';
import { databaseBootstrapSql, databaseName, groupRoleName, poolerName } from './database-access';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
} from './imports/barmancloud.cnpg.io';
import { PodMonitor } from './imports/monitoring.coreos.com';
import {
  Cluster,
  ClusterSpecEphemeralVolumesSizeLimitTemporaryData,
  ClusterSpecManagedRolesEnsure,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  Database,
  DatabaseSpecDatabaseReclaimPolicy,
  DatabaseSpecExtensionsEnsure,
  Pooler,
  PoolerSpecPgbouncerPoolMode,
  PoolerSpecTemplateSpecContainersResourcesLimits,
  PoolerSpecTemplateSpecContainersResourcesRequests,
  PoolerSpecTemplateSpecInitContainersResourcesLimits,
  PoolerSpecTemplateSpecInitContainersResourcesRequests,
  PoolerSpecType,
  ScheduledBackup,
  ScheduledBackupSpecBackupOwnerReference,
  ScheduledBackupSpecMethod,
  type ClusterSpecManagedRoles,
} from './imports/postgresql.cnpg.io';
import { componentLabels } from './labels';
import { DATABASE_POD_LABEL, POOLER_POD_LABEL } from './network-policies';

export interface SystemDatabaseProps {
  /** The system, resolved for one environment. It must declare a database. */
  readonly system: ResolvedSystem;
}

/** The Barman Cloud plugin's name, as Clusters and ScheduledBackups refer to it. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';

/**
 * PostgreSQL image per major version, pinned to a minor release so that every environment runs
 * the same server until someone bumps it here. Backups run in the Barman Cloud plugin's
 * sidecar, which brings its own barman-cloud tools.
 */
export const POSTGRES_IMAGES: Readonly<Record<string, string>> = {
  '15': 'ghcr.io/cloudnative-pg/postgresql:15.19-system-trixie',
  '16': 'ghcr.io/cloudnative-pg/postgresql:16.15-system-trixie',
  '17': 'ghcr.io/cloudnative-pg/postgresql:17.11-system-trixie',
  '18': 'ghcr.io/cloudnative-pg/postgresql:18.6-system-trixie',
};

/** Server settings every system gets; a system's own `parameters` win over these. */
export const PLATFORM_POSTGRES_PARAMETERS: Readonly<Record<string, string>> = {
  log_lock_waits: 'on',
  log_min_duration_statement: '1000',
};

/**
 * Requests and limits of each PostgreSQL instance. Memory request equals its limit, so the
 * kernel never reclaims memory PostgreSQL's shared buffers rely on. The namespace quota
 * reserves the same per instance.
 */
export const DATABASE_RESOURCES = {
  requests: { cpu: '500m', memory: '1Gi' },
  limits: { cpu: '1', memory: '1Gi' },
} as const;

/** Requests and limits of each PgBouncer pod: it relays bytes and holds few connections. */
export const POOLER_RESOURCES = {
  requests: { cpu: '50m', memory: '64Mi' },
  limits: { cpu: '500m', memory: '128Mi' },
} as const;

/** The init container CloudNativePG adds to pooler pods (`specs.BootstrapControllerContainerName`). */
export const POOLER_INIT_CONTAINER = 'bootstrap-controller';

/** PgBouncer pods in front of a database: two when the database itself is replicated. */
export function poolerInstances(db: ResolvedDatabase): number {
  return db.instances > 1 ? 2 : 1;
}

/** Daily at 03:00 UTC; CloudNativePG schedules have a leading seconds field. */
export const BACKUP_SCHEDULE = '0 0 3 * * *';

/** Keys the object store credentials Secret must hold (CloudNativePG's documented names). */
export const BACKUP_CREDENTIAL_KEYS = {
  accessKeyId: 'ACCESS_KEY_ID',
  secretAccessKey: 'ACCESS_SECRET_KEY',
} as const;

/**
 * A system's PostgreSQL, run by CloudNativePG: a `Cluster` sized per environment, with backups
 * through the Barman Cloud plugin (an `ObjectStore` and a daily `ScheduledBackup`) where the
 * environment keeps backups, its group roles under `managed.roles`, a PgBouncer
 * `Pooler` where it pools, the declared extensions through a `Database`, and `PodMonitor`s for
 * the operator's metrics exporter (the `Cluster`'s own `enablePodMonitor` is deprecated in 1.30).
 *
 * Credentials: the operator generates the owner's password into `<cluster>-app` and superuser
 * access stays off. Applications never read that Secret; they get short-lived users from
 * Vault's database engine (see database-access.ts), so no manifest holds a password.
 *
 * Pods: CloudNativePG's pods already pass Pod Security `restricted` (non-root, no privilege
 * escalation, capabilities dropped, read-only root); the seccomp profile is spelled out anyway.
 * They are kept out of the mesh: the operator, which runs outside it, reaches every instance
 * manager directly, and PostgreSQL speaks TLS itself. NetworkPolicies still fence them.
 */
export class SystemDatabase extends Construct {
  /** The CloudNativePG `Cluster`. */
  readonly cluster: Cluster;

  constructor(scope: Construct, id: string, props: SystemDatabaseProps) {
    super(scope, id);
    const system = props.system;
    if (!system.database)
      throw new Error(`system "${system.name}" declares no database; leave SystemDatabase out`);
    const db = system.database;
    const env = system.environment;
    const image = POSTGRES_IMAGES[db.version];
    if (!image) {
      throw new Error(
        `no pinned PostgreSQL image for major version "${db.version}"; expected one of ${Object.keys(POSTGRES_IMAGES).join(', ')}`,
      );
    }
    const name = databaseName(system);
    const backup = env.database.backup;
    const meshOptOut = outOfMesh(system);

    this.cluster = new Cluster(this, 'Resource', {
      metadata: { name: db.clusterName, labels: componentLabels(db.clusterName, db.version, 'database') },
      spec: {
        description: system.description,
        instances: db.instances,
        imageName: image,
        enableSuperuserAccess: false,
        // With one instance a disruption budget would block every node drain; with more, the
        // operator's budgets keep a primary and a standby up.
        enablePdb: db.instances > 1,
        postgresql: { parameters: parametersFor(db) },
        bootstrap: {
          initdb: {
            database: name,
            owner: name,
            dataChecksums: true,
            postInitApplicationSql: databaseBootstrapSql(system),
          },
        },
        storage: { size: db.storage, storageClass: db.storageClass },
        resources: {
          requests: quantities(DATABASE_RESOURCES.requests, ClusterSpecResourcesRequests.fromString),
          limits: quantities(DATABASE_RESOURCES.limits, ClusterSpecResourcesLimits.fromString),
        },
        // The instance's scratch emptyDir, bounded like every other: its container gets the
        // namespace's default ephemeral-storage limit, and the scratch space may not outgrow it.
        ephemeralVolumesSizeLimit: {
          temporaryData: ClusterSpecEphemeralVolumesSizeLimitTemporaryData.fromString(
            env.defaults.resources.limits.ephemeralStorage,
          ),
        },
        seccompProfile: { type: 'RuntimeDefault' },
        affinity:
          db.instances > 1
            ? {
                enablePodAntiAffinity: true,
                podAntiAffinityType: 'required',
                topologyKey: 'kubernetes.io/hostname',
              }
            : undefined,
        inheritedMetadata: {
          labels: { ...system.labels, ...meshOptOut.labels },
          annotations: meshOptOut.annotations,
        },
        // Roles as declarations the operator keeps converging, also after bootstrap: the group
        // roles Vault's dynamic users join (the bootstrap SQL creates them once to grant on them).
        managed: { roles: managedRoles(system) },
        // WAL archiving and base backups through the Barman Cloud plugin (the in-tree
        // barmanObjectStore is deprecated in CloudNativePG 1.30 and removed in 1.31).
        plugins: backup
          ? [
              {
                name: BARMAN_CLOUD_PLUGIN,
                isWalArchiver: true,
                parameters: { barmanObjectName: db.clusterName },
              },
            ]
          : undefined,
      },
    });
    if (backup) {
      new ObjectStore(this, 'ObjectStore', {
        metadata: { name: db.clusterName },
        spec: {
          configuration: {
            // One folder per namespace: two clusters must never archive into the same path,
            // and an ephemeral environment's cluster has the same name as its base's.
            destinationPath: `${backup.destinationPath.replace(/\/*$/, '')}/${system.namespace}`,
            endpointUrl: backup.endpointUrl,
            s3Credentials: {
              accessKeyId: { name: backup.credentialsSecret, key: BACKUP_CREDENTIAL_KEYS.accessKeyId },
              secretAccessKey: {
                name: backup.credentialsSecret,
                key: BACKUP_CREDENTIAL_KEYS.secretAccessKey,
              },
            },
            wal: { compression: ObjectStoreSpecConfigurationWalCompression.GZIP },
            data: { compression: ObjectStoreSpecConfigurationDataCompression.GZIP },
          },
          retentionPolicy: `${backup.retentionDays}d`,
        },
      });
    }
    if (db.extensions.length > 0) {
      // A Database resource manages extensions declaratively, also ones added after bootstrap.
      new Database(this, 'Database', {
        metadata: { name: db.clusterName },
        spec: {
          cluster: { name: db.clusterName },
          name,
          owner: name,
          databaseReclaimPolicy: DatabaseSpecDatabaseReclaimPolicy.RETAIN,
          extensions: db.extensions.map((extension) => ({
            name: extension,
            ensure: DatabaseSpecExtensionsEnsure.PRESENT,
          })),
        },
      });
    }

    if (backup) {
      new ScheduledBackup(this, 'ScheduledBackup', {
        metadata: { name: `${db.clusterName}-daily` },
        spec: {
          cluster: { name: db.clusterName },
          schedule: BACKUP_SCHEDULE,
          method: ScheduledBackupSpecMethod.PLUGIN,
          pluginConfiguration: { name: BARMAN_CLOUD_PLUGIN },
          immediate: true,
          backupOwnerReference: ScheduledBackupSpecBackupOwnerReference.SELF,
        },
      });
    }

    new PodMonitor(this, 'PodMonitor', {
      metadata: { name: db.clusterName },
      spec: {
        selector: { matchLabels: { [DATABASE_POD_LABEL]: db.clusterName, 'cnpg.io/podRole': 'instance' } },
        podMetricsEndpoints: [{ port: 'metrics' }],
      },
    });

    if (env.database.pooler) {
      const pooler = poolerName(db);
      new Pooler(this, 'Pooler', {
        metadata: { name: pooler },
        spec: {
          cluster: { name: db.clusterName },
          type: PoolerSpecType.RW,
          instances: poolerInstances(db),
          // Transaction pooling: the point of the pooler is many application connections on few
          // server ones; applications keep no session state across transactions.
          pgbouncer: {
            poolMode: PoolerSpecPgbouncerPoolMode.TRANSACTION,
            parameters: { max_client_conn: '1000', default_pool_size: '20' },
          },
          template: {
            metadata: {
              labels: { ...system.labels, ...meshOptOut.labels },
              annotations: meshOptOut.annotations,
            },
            // The operator merges these containers by name into the ones it writes; without them the
            // namespace's container defaults (sized for application pods) would apply, to its
            // `bootstrap-controller` init container too, which copies the instance manager in.
            spec: {
              containers: [
                {
                  name: 'pgbouncer',
                  resources: {
                    requests: quantities(
                      POOLER_RESOURCES.requests,
                      PoolerSpecTemplateSpecContainersResourcesRequests.fromString,
                    ),
                    limits: quantities(
                      POOLER_RESOURCES.limits,
                      PoolerSpecTemplateSpecContainersResourcesLimits.fromString,
                    ),
                  },
                },
              ],
              initContainers: [
                {
                  name: POOLER_INIT_CONTAINER,
                  resources: {
                    requests: quantities(
                      POOLER_RESOURCES.requests,
                      PoolerSpecTemplateSpecInitContainersResourcesRequests.fromString,
                    ),
                    limits: quantities(
                      POOLER_RESOURCES.limits,
                      PoolerSpecTemplateSpecInitContainersResourcesLimits.fromString,
                    ),
                  },
                },
              ],
            },
          },
        },
      });
      new PodMonitor(this, 'PoolerPodMonitor', {
        metadata: { name: pooler },
        spec: {
          selector: { matchLabels: { [POOLER_POD_LABEL]: pooler } },
          podMetricsEndpoints: [{ port: 'metrics' }],
        },
      });
    }
  }
}

/** The group roles of a system's database: read-only, and read-write on top of it. */
function managedRoles(system: ResolvedSystem): ClusterSpecManagedRoles[] {
  const ro = groupRoleName(system, 'readonly');
  return [
    {
      name: ro,
      ensure: ClusterSpecManagedRolesEnsure.PRESENT,
      login: false,
      inherit: true,
      comment: 'read-only access, granted to Vault users',
    },
    {
      name: groupRoleName(system, 'readwrite'),
      ensure: ClusterSpecManagedRolesEnsure.PRESENT,
      login: false,
      inherit: true,
      inRoles: [ro],
      comment: 'read-write access, granted to Vault users',
    },
  ];
}

/** Resource amounts as the binding's int-or-string values (each field has its own generated class). */
function quantities<T>(
  amounts: Readonly<Record<string, string>>,
  quantity: (amount: string) => T,
): Record<string, T> {
  return Object.fromEntries(
    Object.entries(amounts).map(([resource, amount]) => [resource, quantity(amount)]),
  );
}

function parametersFor(db: ResolvedDatabase): Record<string, string> {
  // The operator adds a library to shared_preload_libraries when one of its settings is present;
  // pg_stat_statements cannot be created as an extension otherwise.
  const preload: Record<string, string> = db.extensions.includes('pg_stat_statements')
    ? { 'pg_stat_statements.track': 'top' }
    : {};
  return { ...PLATFORM_POSTGRES_PARAMETERS, ...preload, ...db.parameters };
}

/** How a pod asks the environment's mesh to leave it alone. */
function outOfMesh(system: ResolvedSystem): {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
} {
  return system.environment.mesh.provider === 'istio'
    ? { labels: { 'sidecar.istio.io/inject': 'false' } }
    : { annotations: { 'linkerd.io/inject': 'disabled' } };
}
