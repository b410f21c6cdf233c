import dev from '../../environments/dev';
import {
  deriveEphemeral,
  ephemeralNameConflicts,
  ephemeralNeighbourConflicts,
} from '../../environments/ephemeral';
import { ephemeralTags, fromTags } from '../../stacks/ephemeral-stacks';
import { accounts, shop } from '../fixtures/fleet';

const longLived = { environments: ['dev', 'qa', 'staging', 'prod'], systems: [shop, accounts] };

describe('ephemeral environment names', () => {
  it('accepts a pull request name', () => {
    expect(ephemeralNameConflicts('pr-42', longLived)).toEqual([]);
  });

  it("refuses a long-lived environment's name", () => {
    expect(ephemeralNameConflicts('prod', longLived)).toEqual([
      {
        path: 'name',
        message:
          '"prod" is a long-lived environment; an ephemeral environment never takes its name or its stacks',
      },
    ]);
  });

  it('refuses a name whose namespaces would be a platform namespace or a long-lived system', () => {
    const kube = { name: 'kube', owner: 'o', services: {} } as never;
    const shopV2 = { ...shop, name: 'shop-v2' };
    const problems = ephemeralNameConflicts('v2', { environments: [], systems: [shop, shopV2] }).map(
      (p) => p.message,
    );
    expect(problems).toEqual([
      'system "shop" would live in namespace "shop-v2", which is the namespace of system "shop-v2"',
    ]);
    expect(
      ephemeralNameConflicts('system', { environments: [], systems: [kube] }).map((p) => p.message),
    ).toEqual(['system "kube" would live in namespace "kube-system", which is a platform namespace']);
  });
});

describe('ephemeral environments beside each other', () => {
  it('accepts names whose namespaces and hosts never meet', () => {
    expect(ephemeralNeighbourConflicts('pr-42', ['pr-41', 'pr-4'], [shop, accounts])).toEqual([]);
  });

  it("refuses a name whose namespace is another ephemeral environment's", () => {
    const shopX = { ...shop, name: 'shop-x' };
    expect(ephemeralNeighbourConflicts('pr', ['x-pr'], [shop, shopX]).map((p) => p.message)).toEqual([
      'system "shop-x" would use namespace "shop-x-pr", which system "shop" of ephemeral environment "x-pr" already uses',
    ]);
    // The same pair, the other way round.
    expect(ephemeralNeighbourConflicts('x-pr', ['pr'], [shop, shopX]).map((p) => p.message)).toEqual([
      'system "shop" would use namespace "shop-x-pr", which system "shop-x" of ephemeral environment "pr" already uses',
    ]);
  });

  it("refuses a name whose hosts are another ephemeral environment's", () => {
    const routed = (name: string, host: string) =>
      ({ name, owner: 'o', services: { web: { routes: [{ host }] } } }) as never;
    const problems = ephemeralNeighbourConflicts('a', ['a-b'], [routed('one', 'b-c'), routed('two', 'c')]);
    expect(problems.map((p) => p.message)).toEqual([
      'system "one" would use host "a-b-c", which system "two" of ephemeral environment "a-b" already uses',
    ]);
  });

  it('names the first system of a host that several systems share', () => {
    const routed = (name: string, host: string) =>
      ({ name, owner: 'o', services: { web: { routes: [{ host }] } } }) as never;
    const systems = [routed('alpha', 'shop'), routed('beta', 'shop'), routed('promo', '3-shop')];
    expect(ephemeralNeighbourConflicts('pr', ['pr-3'], systems).map((p) => p.message)).toEqual([
      'system "promo" would use host "pr-3-shop", which system "alpha" of ephemeral environment "pr-3" already uses',
    ]);
  });

  it('does not compare an environment with itself (an update of the same name)', () => {
    expect(ephemeralNeighbourConflicts('pr-1', ['pr-1'], [shop, accounts])).toEqual([]);
  });
});

describe('ephemeral stack tags', () => {
  const env = deriveEphemeral(dev, {
    name: 'pr-7',
    ttlHours: 2,
    createdAt: new Date('2026-01-01T00:00:00Z'),
  });

  it('record kind, base, creation, expiry and creator', () => {
    expect(ephemeralTags(env, 'alice@laptop')).toEqual({
      'syskit:ephemeral': 'true',
      'syskit:base': 'dev',
      'syskit:created-at': '2026-01-01T00:00:00.000Z',
      'syskit:expires-at': '2026-01-01T02:00:00.000Z',
      'syskit:creator': 'alice@laptop',
    });
  });

  it('read back into the environment; a stack without the ephemeral tag is not one', () => {
    const tags = ephemeralTags(env, 'alice@laptop');
    expect(fromTags('pr-7', tags)).toEqual({
      name: 'pr-7',
      base: 'dev',
      createdAt: new Date('2026-01-01T00:00:00Z'),
      expiresAt: new Date('2026-01-01T02:00:00Z'),
      creator: 'alice@laptop',
    });
    const untagged = Object.fromEntries(Object.entries(tags).filter(([k]) => k !== 'syskit:ephemeral'));
    expect(fromTags('pr-7', untagged)).toBeUndefined();
    expect(fromTags('pr-7', { ...tags, 'syskit:ephemeral': 'false' })).toBeUndefined();
  });
});
