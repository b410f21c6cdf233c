import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { parseFleet, resolve } from '../../model';
import { crdsDir } from '../../tools/upstream-crds';
import { CrdSchemas } from './crd-schema';
import { chartObjects, ephemeral } from './system-objects';

/** The custom resources the data, events and observability constructs write. */
const GROUPS = ['postgresql.cnpg.io', 'kafka.strimzi.io', 'monitoring.coreos.com'];

describe('custom resources for data, events and observability', () => {
  let schemas: CrdSchemas;
  beforeAll(async () => {
    schemas = CrdSchemas.load(await crdsDir(), [
      'cloudnative-pg.yaml',
      'strimzi.yaml',
      'prometheus-operator.yaml',
    ]);
  });

  const envs = [...environments, ephemeral(environments[0], 'pr-7')];
  it.each(envs.map((e) => [e.name, e]))('are valid against the upstream CRD schemas in %s', (_name, env) => {
    const fleet = parseFleet([commerce, fulfillment, identity], [env]);
    const checked = new Set<string>();
    const problems: string[] = [];
    for (const system of fleet.systems) {
      for (const o of chartObjects(resolve(system, fleet.environments[0], fleet))) {
        if (!GROUPS.includes(String(o.apiVersion).split('/')[0])) continue;
        checked.add(o.kind);
        problems.push(...schemas.validate(o));
      }
    }
    expect(problems).toEqual([]);
    expect([...checked].sort()).toEqual(
      expect.arrayContaining([
        'Cluster',
        'KafkaTopic',
        'KafkaUser',
        'PodMonitor',
        'PrometheusRule',
        'ServiceMonitor',
      ]),
    );
  });

  it('catches fields the schema does not know, wrong types and values outside an enum', () => {
    const cluster = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'x' },
      spec: {
        instances: '3',
        enablePodMonitor: true,
        affinity: { podAntiAffinityType: 'required' },
        logLevel: 'loud',
      },
    };
    expect(schemas.validate(cluster)).toEqual([
      'Cluster/x .spec.instances: expected an integer, got "3"',
      'Cluster/x .spec.enablePodMonitor: unknown field',
      'Cluster/x .spec.logLevel: "loud" is not one of ["error","warning","info","debug","trace"]',
    ]);
  });
});
