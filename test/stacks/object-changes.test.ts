import type { EngineEvent } from '@pulumi/pulumi/automation';
import {
  driftedObjects,
  fieldChanges,
  formatObjectChange,
  plannedChanges,
} from '../../stacks/object-changes';

const DEPLOYMENT = 'kubernetes:apps/v1:Deployment';
const urn = (type: string, name: string) =>
  `urn:pulumi:dev.commerce::syskit::syskit:index:System$kubernetes:yaml/v2:ConfigGroup$${type}::${name}`;

const cart = (replicas: number, extra: object = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'cart',
    namespace: 'commerce',
    labels: { 'syskit.io/system': 'commerce', 'syskit.io/owner': 'commerce-team' },
  },
  spec: { replicas, template: { spec: { containers: [{ name: 'cart', image: 'cart:1.0.0' }] } } },
  ...extra,
});

function pre(op: string, type: string, name: string, old?: object, next?: object): EngineEvent {
  return {
    sequence: 0,
    timestamp: 0,
    resourcePreEvent: {
      metadata: {
        op: op as never,
        urn: urn(type, name),
        type,
        provider: '',
        ...(old ? { old: { inputs: old, outputs: old } as never } : {}),
        ...(next ? { new: { inputs: next, outputs: next } as never } : {}),
      },
    },
  };
}

function refreshed(
  type: string,
  name: string,
  declared: object,
  before: object,
  after?: object,
): EngineEvent {
  return {
    sequence: 0,
    timestamp: 0,
    resOutputsEvent: {
      metadata: {
        op: 'refresh',
        urn: urn(type, name),
        type,
        provider: '',
        old: { inputs: declared, outputs: before } as never,
        ...(after ? { new: { inputs: declared, outputs: after } as never } : {}),
      },
    },
  };
}

describe('field-level changes', () => {
  it('lists each declared field that changes with its old and new value', () => {
    expect(fieldChanges('Deployment', cart(1), cart(2))).toEqual([{ path: 'spec.replicas', old: 1, new: 2 }]);
  });

  it('never shows the values of a Secret, only which keys change', () => {
    const secret = (v: string) => ({ kind: 'Secret', data: { 'api-key': v, region: 'ZXU=' } });
    expect(fieldChanges('Secret', secret('b2xk'), secret('bmV3'))).toEqual([
      { path: 'data.api-key', old: '[secret]', new: '[secret]' },
    ]);
    expect(fieldChanges('Secret', { kind: 'Secret' }, secret('bmV3'))).toEqual([
      { path: 'data.api-key', new: '[secret]' },
      { path: 'data.region', new: '[secret]' },
    ]);
  });

  it('masks values Pulumi holds as secrets in any object', () => {
    const secretValue = {
      '4dabf18193072939515e22adb298388d': '1b47061264138c4ac30d75fd1eb44270',
      value: 'hunter2',
    };
    const changes = fieldChanges('ConfigMap', { data: { token: 'old' } }, { data: { token: secretValue } });
    expect(changes).toEqual([{ path: 'data.token', old: 'old', new: '[secret]' }]);
    expect(JSON.stringify(changes)).not.toContain('hunter2');
  });
});

describe('planned changes from a preview', () => {
  it('names each object per system with its field changes; components and unchanged objects are left out', () => {
    const events = [
      pre('same', 'kubernetes:core/v1:Service', 'commerce/cart', { kind: 'Service' }, { kind: 'Service' }),
      pre('update', DEPLOYMENT, 'commerce/cart', cart(1), cart(2)),
      pre('create', 'kubernetes:policy/v1:PodDisruptionBudget', 'commerce/cart', undefined, {
        kind: 'PodDisruptionBudget',
        metadata: { name: 'cart', namespace: 'commerce', labels: { 'syskit.io/system': 'commerce' } },
      }),
      pre('update', 'kubernetes:yaml/v2:ConfigGroup', 'commerce-workloads', { a: 1 }, { a: 2 }),
      pre('update', 'syskit:index:System', 'commerce', { a: 1 }, { a: 2 }),
    ];
    const changes = plannedChanges(events, 'commerce');
    expect(changes).toEqual([
      {
        op: 'update',
        kind: 'Deployment',
        name: 'commerce/cart',
        system: 'commerce',
        owner: 'commerce-team',
        fields: [{ path: 'spec.replicas', old: 1, new: 2 }],
      },
      { op: 'create', kind: 'PodDisruptionBudget', name: 'commerce/cart', system: 'commerce', fields: [] },
    ]);
    expect(formatObjectChange(changes[0])).toEqual([
      '    Deployment commerce/cart: update',
      '      spec.replicas: 1 -> 2',
    ]);
  });

  it('reports a replacement once, with the fields that force it', () => {
    const before = cart(1);
    const after = {
      ...cart(1),
      metadata: { ...cart(1).metadata, name: 'cart' },
      spec: { ...cart(1).spec, selector: { app: 'new' } },
    };
    const events = [
      pre('create-replacement', DEPLOYMENT, 'commerce/cart', before, after),
      pre('replace', DEPLOYMENT, 'commerce/cart', before, after),
      pre('delete-replaced', DEPLOYMENT, 'commerce/cart', before, after),
    ];
    const changes = plannedChanges(events, 'commerce');
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({
      op: 'replace',
      fields: [{ path: 'spec.selector.app', new: 'new' }],
    });
  });
});

describe('drift from a refresh', () => {
  it('reports a declared field moved out of band and ignores what the cluster fills in', () => {
    const live = (replicas: number, status: object) => ({
      ...cart(replicas),
      status,
      metadata: { ...cart(1).metadata, resourceVersion: String(replicas) },
    });
    const events = [
      refreshed(DEPLOYMENT, 'commerce/cart', cart(1), live(1, { ready: 0 }), live(3, { ready: 3 })),
    ];
    expect(driftedObjects(events, 'commerce')).toEqual([
      {
        op: 'update',
        kind: 'Deployment',
        name: 'commerce/cart',
        system: 'commerce',
        owner: 'commerce-team',
        fields: [{ path: 'spec.replicas', old: 1, new: 3 }],
      },
    ]);
  });

  it('reports an object deleted out of band', () => {
    const policy = {
      kind: 'NetworkPolicy',
      metadata: {
        name: 'orders',
        namespace: 'commerce',
        labels: { 'syskit.io/system': 'commerce', 'syskit.io/owner': 'commerce-team' },
      },
      spec: { podSelector: {} },
    };
    const events = [
      refreshed('kubernetes:networking.k8s.io/v1:NetworkPolicy', 'commerce/orders', policy, policy),
    ];
    expect(driftedObjects(events, 'commerce')).toEqual([
      {
        op: 'delete',
        kind: 'NetworkPolicy',
        name: 'commerce/orders',
        system: 'commerce',
        owner: 'commerce-team',
        fields: [],
      },
    ]);
  });

  it('finds nothing when the cluster matches the state', () => {
    const events = [
      refreshed(
        DEPLOYMENT,
        'commerce/cart',
        cart(1),
        cart(1, { status: { a: 1 } }),
        cart(1, { status: { a: 2 } }),
      ),
    ];
    expect(driftedObjects(events, 'commerce')).toEqual([]);
  });
});
