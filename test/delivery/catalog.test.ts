import {
  apiEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  locationEntityV1alpha1Validator,
  NoForeignRootFieldsEntityPolicy,
  parseEntityRef,
  resourceEntityV1alpha1Validator,
  SchemaValidEntityPolicy,
  systemEntityV1alpha1Validator,
  type Entity,
} from '@backstage/catalog-model';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { catalogEntities, catalogLocation, type CatalogEntity } from '../../delivery/catalog';
import { parseFleet } from '../../model';

/** What Backstage's catalog runs on every entity it ingests: the envelope policies, then the kind's own schema. */
const policies = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);
const kinds = [
  systemEntityV1alpha1Validator,
  componentEntityV1alpha1Validator,
  apiEntityV1alpha1Validator,
  resourceEntityV1alpha1Validator,
  locationEntityV1alpha1Validator,
];

async function problems(entity: CatalogEntity): Promise<string[]> {
  const copy = JSON.parse(JSON.stringify(entity)) as Entity;
  try {
    await policies.enforce(copy);
    const matched = await Promise.all(kinds.map((k) => k.check(copy)));
    return matched.some(Boolean) ? [] : [`${entity.kind}/${entity.metadata.name}: no validator for its kind`];
  } catch (error) {
    return [`${entity.kind}/${entity.metadata.name}: ${(error as Error).message}`];
  }
}

describe('Backstage catalog', () => {
  const fleet = parseFleet([commerce, fulfillment, identity], environments);
  const bySystem = catalogEntities(fleet);
  const all = [...bySystem.values()].flat();
  const named = (kind: string, name: string) =>
    all.find((e) => e.kind === kind && e.metadata.name === name) as any;

  it('writes entities that Backstage’s own validators accept', async () => {
    const found = (await Promise.all([...all, catalogLocation(['a.yaml'])].map(problems))).flat();
    expect(found).toEqual([]);
    expect(new Set(all.map((e) => e.kind))).toEqual(new Set(['System', 'Component', 'API', 'Resource']));
  });

  it('catches what Backstage would refuse', async () => {
    const bad = { ...named('Component', 'commerce-orders'), metadata: { name: 'orders service' } };
    const noOwner = { ...named('API', 'commerce-orders-shop') };
    noOwner.spec = { ...noOwner.spec, owner: undefined };
    expect(await problems(bad)).toEqual([expect.stringContaining('metadata.name')]);
    expect(await problems(JSON.parse(JSON.stringify(noOwner)))).toEqual([expect.stringContaining('owner')]);
  });

  it('describes a service: owner, system, dependencies from its calls, database and topics, and its APIs', () => {
    expect(named('Component', 'commerce-orders').spec).toEqual({
      type: 'service',
      lifecycle: 'production',
      owner: 'group:commerce-team',
      system: 'commerce',
      providesApis: ['api:commerce-orders-shop'],
      dependsOn: [
        'component:commerce-catalog',
        'component:commerce-payments',
        'component:identity-accounts',
        'resource:commerce-database',
        'resource:commerce-topic-order-events',
        'resource:commerce-topic-payment-events',
      ],
    });
    expect(named('Component', 'commerce-settle-payments').spec.type).toBe('job');
  });

  it('gives each public host of a service an API whose OpenAPI definition lists its routes in every environment', () => {
    const api = named('API', 'identity-accounts-api');
    const definition = JSON.parse(api.spec.definition);
    expect(definition.servers.map((s: any) => s.url)).toEqual([
      'https://api.acme.example',
      'https://api.dev.acme.example',
      'https://api.qa.acme.example',
      'https://api.staging.acme.example',
    ]);
    expect(Object.keys(definition.paths)).toEqual(['/v1/accounts', '/v1/signup']);
    expect(definition.paths['/v1/accounts'].patch.security).toEqual([{ jwt: [] }]);
    expect(definition.paths['/v1/signup'].post.security).toBeUndefined();
    expect(definition.paths['/v1/signup'].get).toBeUndefined();
  });

  it('leaves no reference dangling', () => {
    const refs = all.flatMap((e: any) => [
      ...(e.spec.dependsOn ?? []),
      ...(e.spec.providesApis ?? []),
      ...(e.spec.system ? [`system:${e.spec.system}`] : []),
    ]);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) {
      const { kind, name } = parseEntityRef(ref);
      expect({
        ref,
        found: all.some((e) => e.kind.toLowerCase() === kind && e.metadata.name === name),
      }).toEqual({
        ref,
        found: true,
      });
    }
  });

  it('calls a fleet experimental until an environment that denies policy violations runs it', () => {
    const devOnly = parseFleet([commerce, fulfillment, identity], [environments[0]]);
    const entities = [...catalogEntities(devOnly).values()].flat() as any[];
    expect(new Set(entities.filter((e) => e.kind === 'Component').map((e) => e.spec.lifecycle))).toEqual(
      new Set(['experimental']),
    );
  });
});
