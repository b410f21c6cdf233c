import { recordResources, settle } from './mocks';
import { environmentProgram, platformProgram, systemProgram } from '../../stacks/program';
import { longLivedStacks } from '../../stacks/automation';
import { parseStackName } from '../../stacks/stack-names';
import { splitFoundation } from '../../stacks/apply-order';
import { parseFleet } from '../../model';
import { deriveEphemeral } from '../../environments/ephemeral';
import dev from '../../environments/dev';
import { accounts, shop } from '../fixtures/fleet';

const recorded = recordResources();

describe('environment program (Pulumi mocks)', () => {
  let outputs: { namespaces: string[]; urls: string[] };
  beforeAll(async () => {
    const fleet = parseFleet([shop, accounts], [dev]);
    outputs = await environmentProgram({
      fleet,
      environment: fleet.environments[0],
      kubeconfig: '/dev/null',
      skipAwait: true,
    })();
    await settle();
  });

  it('applies through one explicit provider with server-side apply', () => {
    const providers = recorded.filter((r) => r.type === 'pulumi:providers:kubernetes');
    expect(providers).toHaveLength(1);
    expect(providers[0].inputs).toMatchObject({ kubeconfig: '/dev/null', enableServerSideApply: 'true' });
  });

  it('reads per system in a preview: one component each, plus the platform', () => {
    expect(recorded.filter((r) => r.type === 'syskit:index:System').map((r) => r.name)).toEqual([
      'shop',
      'accounts',
    ]);
    expect(recorded.filter((r) => r.type === 'syskit:index:Platform').map((r) => r.name)).toEqual([
      'platform',
    ]);
  });

  it('applies foundation objects before workloads, and constraints after their templates', () => {
    const groups = recorded.filter((r) => r.type === 'kubernetes:yaml/v2:ConfigGroup');
    const kinds = (name: string) => groups.find((g) => g.name === name)!.inputs.objs.map((o: any) => o.kind);
    expect(kinds('shop-foundation')).toEqual(
      expect.arrayContaining(['Namespace', 'ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy']),
    );
    expect(kinds('shop-foundation')).not.toContain('Deployment');
    expect(kinds('shop-workloads')).toEqual(
      expect.arrayContaining(['Deployment', 'Service', 'CronJob', 'HTTPRoute']),
    );
    expect(kinds('platform-constraints').every((k: string) => k.startsWith('Syskit'))).toBe(true);
    expect(kinds('platform-objects')).toContain('ConstraintTemplate');
    for (const g of groups) expect(g.inputs.skipAwait).toBe(true);
  });

  it('outputs the namespaces and the public URLs', () => {
    expect(outputs).toEqual({
      namespaces: ['shop', 'accounts'],
      urls: ['https://shop.dev.acme.example/v1/orders'],
    });
  });

  it('splits objects without reordering them', () => {
    const objs = [
      { kind: 'Deployment' },
      { kind: 'Namespace' },
      { kind: 'Service' },
      { kind: 'PodDisruptionBudget' },
    ];
    expect(splitFoundation(objs)).toEqual([
      [{ kind: 'Namespace' }, { kind: 'PodDisruptionBudget' }],
      [{ kind: 'Deployment' }, { kind: 'Service' }],
    ]);
  });

  it('applies only systems for an ephemeral environment, on the platform of its base', async () => {
    const before = recorded.length;
    const env = deriveEphemeral(dev, { name: 'pr-9' });
    const fleet = parseFleet([shop, accounts], [env]);
    const result = await environmentProgram({ fleet, environment: fleet.environments[0] })();
    await settle();
    const added = recorded.slice(before);
    expect(added.filter((r) => r.type === 'syskit:index:Platform')).toEqual([]);
    expect(result.namespaces).toEqual(['shop-pr-9', 'accounts-pr-9']);
    expect(result.urls).toEqual(['https://pr-9-shop.dev.acme.example/v1/orders']);
    // Recorded in the stack's outputs for `env list` and `env gc`.
    expect(result.ephemeral).toEqual({ base: 'dev', ttlHours: 48, createdAt: env.ephemeral!.createdAt });
  });
});

describe('one stack per system in long-lived environments', () => {
  const fleet = parseFleet([shop, accounts], [dev]);
  const env = fleet.environments[0];

  it('plans the platform and every system, each in its own stack', () => {
    expect(longLivedStacks(fleet, env, undefined).map((s) => `${s.project}/${s.stackName}`)).toEqual([
      'syskit/dev.platform',
      'syskit/dev.shop',
      'syskit/dev.accounts',
    ]);
  });

  it('plans exactly the named systems: no platform, no other system', () => {
    expect(longLivedStacks(fleet, env, ['accounts']).map((s) => s.stackName)).toEqual(['dev.accounts']);
  });

  it("declares only its own system's objects in a system's program", async () => {
    const before = recorded.length;
    const outputs = await systemProgram({ fleet, environment: env, system: 'accounts', skipAwait: true })();
    await settle();
    const added = recorded.slice(before);
    expect(added.filter((r) => r.type === 'syskit:index:System').map((r) => r.name)).toEqual(['accounts']);
    expect(added.filter((r) => r.type === 'syskit:index:Platform')).toEqual([]);
    const systems = added
      .filter((r) => r.type === 'kubernetes:yaml/v2:ConfigGroup')
      .flatMap((g) => g.inputs.objs.map((o: any) => o.metadata.labels?.['syskit.io/system']));
    expect(new Set(systems)).toEqual(new Set(['accounts']));
    expect(outputs.namespaces).toEqual(['accounts']);
  });

  it("declares the platform alone in the platform's program", async () => {
    const before = recorded.length;
    await platformProgram({ fleet, environment: env, skipAwait: true })();
    await settle();
    const added = recorded.slice(before);
    expect(added.filter((r) => r.type === 'syskit:index:Platform').map((r) => r.name)).toEqual(['platform']);
    expect(added.filter((r) => r.type === 'syskit:index:System')).toEqual([]);
  });

  it('names stacks so an environment and its part can be read back', () => {
    expect(parseStackName('dev.platform')).toEqual({ environment: 'dev', part: 'platform' });
    expect(parseStackName('prod.commerce')).toEqual({
      environment: 'prod',
      part: 'system',
      system: 'commerce',
    });
    expect(parseStackName('dev')).toBeUndefined();
  });
});
