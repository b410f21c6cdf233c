import { SystemChart } from '../../constructs/system-chart';
import { testApp } from '../cdk8s';
import { deriveEphemeral, expiresAt, parseTtl } from '../../environments/ephemeral';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { parseFleet, resolve, ValidationError } from '../../model';
import { renderEnvironment } from '../../synth/engine';
import { accounts, shop } from '../fixtures/fleet';

const createdAt = new Date('2026-01-01T00:00:00Z');

function objectsIn(env: any): any[] {
  const fleet = parseFleet([shop, accounts], [env]);
  return fleet.systems.flatMap((s) =>
    new SystemChart(testApp(), s.name, { system: resolve(s, fleet.environments[0], fleet) }).toJson(),
  );
}

const identity = (o: any) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

describe('ephemeral environments', () => {
  it('suffixes namespaces, prefixes hostnames and runs at the smallest size', () => {
    const env = deriveEphemeral(prod, { name: 'pr-42', ttlHours: 24, createdAt });
    const fleet = parseFleet([shop, accounts], [env]);
    const system = resolve(fleet.byName.get('shop')!, fleet.environments[0], fleet);
    expect(system.namespace).toBe('shop-pr-42');
    expect(system.services.find((s) => s.name === 'orders')!.routes[0].host).toBe('pr-42-shop.acme.example');
    expect(system.services.find((s) => s.name === 'payments')!.replicas).toBe(1);
    expect(system.database).toMatchObject({ instances: 1 });
    expect(env.database).toEqual({ instances: 1, pooler: false });
    expect(system.services.find((s) => s.name === 'orders')!.calls.map((c) => c.namespace)).toEqual([
      'accounts-pr-42',
      'shop-pr-42',
    ]);
  });

  it('records the TTL on every namespace as a label and an annotation', () => {
    const ns = objectsIn(deriveEphemeral(dev, { name: 'pr-7', ttlHours: 48, createdAt })).find(
      (o) => o.kind === 'Namespace',
    );
    expect(ns.metadata.labels).toMatchObject({
      'syskit.io/ephemeral': 'true',
      'syskit.io/expires-at': String(Date.parse('2026-01-03T00:00:00Z') / 1000),
    });
    expect(ns.metadata.annotations).toMatchObject({
      'syskit.io/base-environment': 'dev',
      'syskit.io/ttl': '48h',
      'syskit.io/expires-at': '2026-01-03T00:00:00.000Z',
    });
  });

  it('never collides with its base or with another ephemeral environment', () => {
    const base = new Set(objectsIn(dev).map(identity));
    const one = objectsIn(deriveEphemeral(dev, { name: 'pr-1', createdAt })).map(identity);
    const two = new Set(objectsIn(deriveEphemeral(dev, { name: 'pr-2', createdAt })).map(identity));
    expect(one.length).toBeGreaterThan(20);
    expect(one.filter((id) => base.has(id) || two.has(id))).toEqual([]);
  });

  it('renders no platform file: it shares the platform of its base', () => {
    const env = deriveEphemeral(dev, { name: 'pr-3', createdAt });
    const fleet = parseFleet([shop, accounts], [env]);
    expect(renderEnvironment(fleet, fleet.environments[0], fleet.systems).map((f) => f.file)).toEqual([
      'accounts.yaml',
      'shop.yaml',
    ]);
  });

  it('fails a name that is not a DNS label, and a base that is itself ephemeral', () => {
    expect(() => deriveEphemeral(dev, { name: 'PR_1' })).toThrow(ValidationError);
    const first = deriveEphemeral(dev, { name: 'pr-1' });
    expect(() => deriveEphemeral(first, { name: 'pr-2' })).toThrow(
      '"pr-1" is itself ephemeral; derive from a long-lived environment',
    );
  });

  it('computes expiry and parses TTLs', () => {
    expect(expiresAt(deriveEphemeral(dev, { name: 'pr-1', ttlHours: 2, createdAt }))?.toISOString()).toBe(
      '2026-01-01T02:00:00.000Z',
    );
    expect(parseTtl('48h')).toBe(48);
    expect(parseTtl('2d')).toBe(48);
    expect(parseTtl('90m')).toBe(1.5);
    expect(() => parseTtl('2 days')).toThrow('expected a duration like "48h", "90m" or "2d", got "2 days"');
  });
});
