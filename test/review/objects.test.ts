import { compareObjects, unifiedDiff } from '../../review/objects';
import { renderSystemObjects } from '../../synth/render';
import { delta, fixture } from './compare';

const deployment = (replicas: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'orders', namespace: 'shop' },
  spec: { replicas, ...extra },
});

describe('object comparison', () => {
  it('counts added, removed and changed objects per kind, and ignores key order', () => {
    const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'orders', namespace: 'shop' } };
    const reordered = {
      spec: { replicas: 2 },
      metadata: { namespace: 'shop', name: 'orders' },
      kind: 'Deployment',
      apiVersion: 'apps/v1',
    };
    const account = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'orders', namespace: 'shop' },
    };
    expect(compareObjects([deployment(2), service], [reordered, account])).toMatchObject({
      added: { ServiceAccount: 1 },
      removed: { Service: 1 },
      changed: {},
      patches: [],
    });
    expect(compareObjects([deployment(2)], [deployment(3)])).toMatchObject({
      added: {},
      removed: {},
      changed: { Deployment: 1 },
    });
  });

  it('writes a minimal unified diff per object, /dev/null for a missing side', () => {
    const { patches } = compareObjects(
      [deployment(2, { paused: false })],
      [deployment(3, { paused: false })],
      {
        patches: true,
      },
    );
    expect(patches).toEqual([
      [
        '--- a/Deployment/shop/orders',
        '+++ b/Deployment/shop/orders',
        '@@ -5,4 +5,4 @@',
        '   namespace: shop',
        ' spec:',
        '   paused: false',
        '-  replicas: 2',
        '+  replicas: 3',
      ].join('\n'),
    ]);
    expect(unifiedDiff('Service shop/orders', undefined, 'kind: Service\n')).toBe(
      ['--- /dev/null', '+++ b/Service/shop/orders', '@@ -0,0 +1 @@', '+kind: Service'].join('\n'),
    );
  });

  it('reports a changed namespace quota as a sizing change', () => {
    const quota = (pods: string) => ({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'system-quota', namespace: 'shop' },
      spec: { hard: { pods, 'services.nodeports': '0' } },
    });
    expect(compareObjects([quota('10')], [quota('12')]).changes).toEqual([
      {
        kind: 'quota',
        category: 'sizing',
        subject: 'shop/system-quota',
        before: { pods: '10' },
        after: { pods: '12' },
        risk: 'info',
      },
    ]);
    expect(compareObjects([quota('10')], [quota('10')]).changes).toEqual([]);
  });

  it('marks for rendering only the systems whose resolved inputs differ', () => {
    const after = fixture();
    (after.systems[0].services.payments as any).replicas = 2;
    const d = delta(fixture(), after);
    expect(d.systems.map((s) => [s.name, s.inputsChanged])).toEqual([
      ['accounts', false],
      ['shop', true],
    ]);
    expect(d.platform.inputsChanged).toBe(false);
  });

  it('an added call changes the rendered policies of caller and callee, and adds nothing', () => {
    const after = fixture();
    (after.systems[1].services.profiles as any).calls = ['shop/payments'];
    const d = delta(fixture(), after);
    const render = (name: string) => {
      const s = d.systems.find((x) => x.name === name)!;
      expect(s.inputsChanged).toBe(true);
      return compareObjects(renderSystemObjects(s.before!), renderSystemObjects(s.after!));
    };
    const callee = render('shop');
    expect(callee.added).toEqual({});
    expect(callee.removed).toEqual({});
    expect(Object.keys(callee.changed)).toEqual(
      expect.arrayContaining(['AuthorizationPolicy', 'NetworkPolicy']),
    );
    expect(Object.keys(render('accounts').changed)).toContain('NetworkPolicy');
  });
});
