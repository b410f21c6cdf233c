import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import {
  namespaceFor,
  sharedWorkloadName,
  type ResolvedJob,
  type ResolvedService,
  type ResolvedSystem,
  type ResolvedWorkload,
} from '../model';
import type { PodExtras } from './pod-extras';
import { PLATFORM_PORTS } from './platform';

export interface EventTopicsProps {
  /** The system, resolved for one environment. */
  readonly system: ResolvedSystem;
}

const STRIMZI = 'kafka.strimzi.io/v1';

/** The label Strimzi's operators use to pick the Kafka cluster a resource belongs to. */
export const STRIMZI_CLUSTER_LABEL = 'strimzi.io/cluster';

/**
 * The Kafka name of a system's topic: `<namespace>.<topic>`. The namespace, not the system
 * name, keeps two ephemeral environments of the same system (which share the base's Kafka)
 * from writing into each other's topics. Dots are legal in both Kafka topic names and
 * Kubernetes object names (DNS subdomains), so the KafkaTopic carries the same name.
 */
export function topicName(namespace: string, topic: string): string {
  return `${namespace}.${topic}`;
}

/** The Kafka principal of a workload, and the consumer group it may join: `<namespace>-<workload>`. */
export function kafkaUserName(system: ResolvedSystem, workload: ResolvedWorkload): string {
  return sharedWorkloadName(system.namespace, workload.name);
}

/**
 * A system's Kafka topics and the users that may touch them, written to Strimzi.
 *
 * Both kinds live in the environment's Kafka namespace, not the system's: Strimzi's Topic and
 * User Operators each watch the one namespace of their Kafka cluster. The chart puts every
 * object in the system namespace, so these set `metadata.namespace` themselves.
 *
 * - One `KafkaTopic` per declared topic, with the environment's replication and the topic's
 *   retention; with three or more replicas a write needs two in sync, so losing one broker
 *   loses no acknowledged message.
 * - One `KafkaUser` per workload that publishes or consumes, authenticated by a TLS client
 *   certificate the User Operator issues, with exactly the ACLs its declaration implies:
 *   Write and Describe on what it publishes, Read and Describe on what it consumes, and Read on
 *   its own consumer group. Topics of other systems are named by their namespace in this
 *   environment, so the ACL is the same string their owner's KafkaTopic creates.
 */
export class EventTopics extends Construct {
  constructor(scope: Construct, id: string, props: EventTopicsProps) {
    super(scope, id);
    const system = props.system;
    const kafka = system.environment.kafka;
    const metadata = (name: string) => ({
      name,
      namespace: kafka.namespace,
      labels: { [STRIMZI_CLUSTER_LABEL]: kafka.cluster },
    });

    for (const topic of system.topics) {
      const name = topicName(system.namespace, topic.name);
      new ApiObject(this, `topic-${topic.name}`, {
        apiVersion: STRIMZI,
        kind: 'KafkaTopic',
        metadata: metadata(name),
        spec: {
          topicName: name,
          partitions: topic.partitions,
          replicas: topic.replicas,
          config: {
            'retention.ms': topic.retentionHours * 3_600_000,
            'min.insync.replicas': topic.replicas >= 3 ? 2 : 1,
          },
        },
      });
    }

    for (const workload of [...system.services, ...system.jobs]) {
      const acls = aclsFor(system, workload);
      if (acls.length === 0) continue;
      new ApiObject(this, `user-${workload.name}`, {
        apiVersion: STRIMZI,
        kind: 'KafkaUser',
        metadata: metadata(kafkaUserName(system, workload)),
        spec: {
          authentication: { type: 'tls' },
          authorization: { type: 'simple', acls },
        },
      });
    }
  }
}

interface Acl {
  readonly resource: {
    readonly type: 'topic' | 'group';
    readonly name: string;
    readonly patternType: 'literal';
  };
  readonly operations: readonly string[];
  readonly type: 'allow';
}

function aclsFor(system: ResolvedSystem, workload: ResolvedWorkload): Acl[] {
  const acl = (type: 'topic' | 'group', name: string, operations: string[]): Acl => ({
    resource: { type, name, patternType: 'literal' },
    operations,
    type: 'allow',
  });
  const acls = workload.publishes.map((t) =>
    acl('topic', topicName(system.namespace, t), ['Write', 'Describe']),
  );
  if (workload.consumes.length > 0) {
    for (const ref of workload.consumes) {
      acls.push(
        acl('topic', topicName(namespaceFor(ref.system, system.environment), ref.topic), [
          'Read',
          'Describe',
        ]),
      );
    }
    acls.push(acl('group', kafkaUserName(system, workload), ['Read']));
  }
  return acls;
}

/**
 * What a workload needs to find Kafka and its topics: since topic names carry the namespace,
 * the application reads them from the environment rather than hard-coding them. Variables:
 * `KAFKA_BOOTSTRAP_SERVERS`, `KAFKA_CLIENT_ID`, `KAFKA_GROUP_ID` (consumers), and one
 * `KAFKA_TOPIC_<TOPIC>` per topic of its own system or `KAFKA_TOPIC_<SYSTEM>__<TOPIC>` per topic
 * of another.
 */
export function kafkaClientExtras(
  system: ResolvedSystem,
  workload: ResolvedService | ResolvedJob,
): PodExtras | undefined {
  if (workload.publishes.length === 0 && workload.consumes.length === 0) return undefined;
  const kafka = system.environment.kafka;
  const env = new Map<string, string>();
  env.set(
    'KAFKA_BOOTSTRAP_SERVERS',
    `${kafka.cluster}-kafka-bootstrap.${kafka.namespace}.svc:${PLATFORM_PORTS.kafkaTls}`,
  );
  env.set('KAFKA_CLIENT_ID', kafkaUserName(system, workload));
  if (workload.consumes.length > 0) env.set('KAFKA_GROUP_ID', kafkaUserName(system, workload));
  const topics = [
    ...workload.publishes.map((topic) => ({ system: system.name, topic })),
    ...workload.consumes,
  ];
  for (const ref of topics) {
    const key =
      ref.system === system.name ? envName(ref.topic) : `${envName(ref.system)}__${envName(ref.topic)}`;
    env.set(`KAFKA_TOPIC_${key}`, topicName(namespaceFor(ref.system, system.environment), ref.topic));
  }
  return { env: [...env.entries()].map(([name, value]) => ({ name, value })) };
}

function envName(label: string): string {
  return label.toUpperCase().replace(/-/g, '_');
}
