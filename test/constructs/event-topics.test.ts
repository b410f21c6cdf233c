import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { kafkaClientExtras } from '../../constructs/event-topics';
import { accounts, shop } from '../fixtures/fleet';
import { chartObjects, ephemeral, find, ofKind, podTemplate, resolveIn } from './system-objects';

const strimziLabels = { 'strimzi.io/cluster': 'events', 'syskit.io/system': 'shop' };

describe('EventTopics', () => {
  it('creates each declared topic in the Kafka namespace, named after the system namespace', () => {
    const topic = find(chartObjects(resolveIn(dev)), 'KafkaTopic', 'shop.order-events');
    expect(topic.apiVersion).toBe('kafka.strimzi.io/v1');
    expect(topic.metadata.namespace).toBe('kafka');
    expect(topic.metadata.labels).toMatchObject(strimziLabels);
    expect(topic.spec).toEqual({
      topicName: 'shop.order-events',
      partitions: 3,
      replicas: 1,
      config: { 'retention.ms': 24 * 3_600_000, 'min.insync.replicas': 1 },
    });
  });

  it('replicates three times and requires two in-sync replicas in prod', () => {
    const topic = find(chartObjects(resolveIn(prod)), 'KafkaTopic', 'shop.order-events');
    expect(topic.spec.replicas).toBe(3);
    expect(topic.spec.config).toEqual({ 'retention.ms': 168 * 3_600_000, 'min.insync.replicas': 2 });
  });

  it('lets a publisher write and describe exactly its topics', () => {
    const user = find(chartObjects(resolveIn(dev)), 'KafkaUser', 'shop-orders');
    expect(user.metadata.namespace).toBe('kafka');
    expect(user.metadata.labels).toMatchObject(strimziLabels);
    expect(user.spec).toEqual({
      // Vault issues the certificate into the workload's pod; Strimzi keeps the ACLs.
      authentication: { type: 'tls-external' },
      authorization: {
        type: 'simple',
        acls: [
          {
            resource: { type: 'topic', name: 'shop.order-events', patternType: 'literal' },
            operations: ['Write', 'Describe'],
            type: 'allow',
          },
        ],
      },
    });
  });

  it('lets a consumer read and describe the topics it consumes of other systems, and read its own group', () => {
    const user = find(chartObjects(resolveIn(dev, 'accounts')), 'KafkaUser', 'accounts-profiles');
    expect(user.spec.authorization.acls).toEqual([
      {
        resource: { type: 'topic', name: 'shop.order-events', patternType: 'literal' },
        operations: ['Read', 'Describe'],
        type: 'allow',
      },
      {
        resource: { type: 'group', name: 'accounts-profiles', patternType: 'literal' },
        operations: ['Read'],
        type: 'allow',
      },
    ]);
    expect(ofKind(chartObjects(resolveIn(dev, 'accounts')), 'KafkaTopic')).toEqual([]);
  });

  it('gives no Kafka identity to workloads that neither publish nor consume', () => {
    expect(ofKind(chartObjects(resolveIn(dev)), 'KafkaUser').map((u) => u.metadata.name)).toEqual([
      'shop-orders',
    ]);
  });

  it('keeps two ephemeral environments of one system on separate topics, users and groups', () => {
    const env = ephemeral(dev, 'pr-7');
    const objects = chartObjects(resolveIn(env));
    expect(ofKind(objects, 'KafkaTopic').map((t) => [t.metadata.name, t.spec.topicName])).toEqual([
      ['shop-pr-7.order-events', 'shop-pr-7.order-events'],
    ]);
    expect(find(objects, 'KafkaUser', 'shop-pr-7-orders').spec.authorization.acls[0].resource.name).toBe(
      'shop-pr-7.order-events',
    );
    const consumer = find(chartObjects(resolveIn(env, 'accounts')), 'KafkaUser', 'accounts-pr-7-profiles');
    expect(consumer.spec.authorization.acls.map((a: any) => a.resource.name)).toEqual([
      'shop-pr-7.order-events',
      'accounts-pr-7-profiles',
    ]);
    const other = chartObjects(resolveIn(ephemeral(dev, 'pr-8'))).filter(
      (o) => o.apiVersion === 'kafka.strimzi.io/v1',
    );
    expect(other.map((o) => o.metadata.name)).toEqual(['shop-pr-8.order-events', 'shop-pr-8-orders']);
  });

  it('tells each client where Kafka is and what its topics and group are called', () => {
    const profiles = resolveIn(dev, 'accounts').services[0];
    expect(kafkaClientExtras(resolveIn(dev, 'accounts'), profiles)).toEqual({
      env: [
        { name: 'KAFKA_BOOTSTRAP_SERVERS', value: 'events-kafka-bootstrap.kafka.svc:9093' },
        { name: 'KAFKA_CLIENT_ID', value: 'accounts-profiles' },
        { name: 'KAFKA_SSL_CERTIFICATE_FILE', value: '/vault/secrets/kafka-client.pem' },
        { name: 'KAFKA_SSL_CA_FILE', value: '/vault/secrets/kafka-ca.pem' },
        { name: 'KAFKA_GROUP_ID', value: 'accounts-profiles' },
        { name: 'KAFKA_TOPIC_SHOP__ORDER_EVENTS', value: 'shop.order-events' },
      ],
    });
    const env = podTemplate(chartObjects(resolveIn(dev)), 'Deployment', 'orders').spec.containers[0].env;
    expect(env).toEqual(
      expect.arrayContaining([{ name: 'KAFKA_TOPIC_ORDER_EVENTS', value: 'shop.order-events' }]),
    );
    expect(env.map((e: any) => e.name)).not.toContain('KAFKA_GROUP_ID');
    const payments = podTemplate(chartObjects(resolveIn(dev)), 'Deployment', 'payments').spec.containers[0]
      .env;
    expect(payments.map((e: any) => e.name).filter((n: string) => n.startsWith('KAFKA_'))).toEqual([]);
  });

  it('creates nothing for a system without topics or clients', () => {
    const quiet = {
      ...accounts,
      services: { profiles: { ...accounts.services.profiles, topics: undefined } },
    };
    const objects = chartObjects(resolveIn(dev, 'accounts', [shop, quiet]));
    expect(objects.filter((o) => o.apiVersion === 'kafka.strimzi.io/v1')).toEqual([]);
  });
});
