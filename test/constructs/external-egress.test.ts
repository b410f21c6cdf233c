import * as path from 'node:path';
import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { dev, prod } from '../../environments';
import { type EnvironmentInput, type SystemInput } from '../../model';
import { crdsDir } from '../../tools/upstream-crds';
import { loadDeclarations } from '../../synth/load';
import { CrdSchemas } from './crd-schema';
import { chartObjects, find, ofKind, resolveIn } from './system-objects';
import { fleetProblems as problems } from '../model/fleet-problems';

const fleet = [commerce, fulfillment, identity];
const linkerd: EnvironmentInput = { ...dev, name: 'ld', mesh: { provider: 'linkerd' } };

/** Linkerd has no external authorization, so commerce's orders goes without it there. */
const withoutAuthz = (system: SystemInput): SystemInput => ({
  ...system,
  services: Object.fromEntries(
    Object.entries(system.services).map(([name, { authz: _authz, ...rest }]) => [name, rest]),
  ),
});
const objectsIn = (env: EnvironmentInput, system: string) =>
  chartObjects(resolveIn(env, system, env.mesh?.provider === 'linkerd' ? fleet.map(withoutAuthz) : fleet));

describe('egress to destinations outside the cluster, with Istio', () => {
  it('refuses undeclared destinations in every system namespace (REGISTRY_ONLY)', () => {
    for (const system of ['commerce', 'fulfillment', 'identity'])
      expect(find(objectsIn(prod, system), 'Sidecar', 'default').spec).toEqual({
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      });
    const open = { ...dev, mesh: { ...dev.mesh, outboundTrafficPolicy: 'ALLOW_ANY' as const } };
    expect(find(objectsIn(open, 'identity'), 'Sidecar', 'default').spec.outboundTrafficPolicy.mode).toBe(
      'ALLOW_ANY',
    );
  });

  it("registers payments' card processor once for the namespace, resolved by DNS", () => {
    const entries = ofKind(objectsIn(prod, 'commerce'), 'ServiceEntry').filter((e) =>
      e.metadata.name.startsWith('egress-'),
    );
    expect(entries).toEqual([
      expect.objectContaining({
        metadata: expect.objectContaining({ name: 'egress-api.payments.example', namespace: 'commerce' }),
        spec: {
          hosts: ['api.payments.example'],
          exportTo: ['.'],
          location: 'MESH_EXTERNAL',
          ports: [{ number: 443, name: 'https-443', protocol: 'HTTPS' }],
          resolution: 'DNS',
        },
      }),
    ]);
    expect(ofKind(objectsIn(prod, 'identity'), 'ServiceEntry')).toEqual([]);
  });

  it('matches a wildcard by server name (no DNS resolution) and a block by its addresses', () => {
    expect(
      find(objectsIn(dev, 'fulfillment'), 'ServiceEntry', 'egress-wildcard.carriers.example').spec,
    ).toEqual({
      hosts: ['*.carriers.example'],
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      ports: [{ number: 443, name: 'https-443', protocol: 'HTTPS' }],
      resolution: 'NONE',
    });
    const blocky: SystemInput = {
      ...identity,
      services: {
        ...identity.services,
        sessions: {
          ...identity.services.sessions,
          egress: [{ host: '198.51.100.0/24', port: 8443, protocol: 'tls' }],
        },
      },
    };
    const objects = chartObjects(resolveIn(dev, 'identity', [commerce, fulfillment, blocky]));
    expect(find(objects, 'ServiceEntry', 'egress-198.51.100.0-24').spec).toMatchObject({
      hosts: ['egress-198-51-100-0-24.external'],
      addresses: ['198.51.100.0/24'],
      resolution: 'NONE',
    });
    expect(find(objects, 'NetworkPolicy', 'sessions-egress').spec.egress).toContainEqual({
      to: [{ ipBlock: { cidr: '198.51.100.0/24' } }],
      ports: [{ protocol: 'TCP', port: 8443 }],
    });
  });

  it('opens the port by NetworkPolicy for the declaring workloads only, outside the cluster where its ranges are known', () => {
    const rule = { ports: [{ protocol: 'TCP', port: 443 }] };
    const objects = objectsIn(dev, 'commerce');
    expect(find(objects, 'NetworkPolicy', 'payments-egress').spec.egress).toContainEqual(rule);
    expect(find(objects, 'NetworkPolicy', 'settle-payments-egress').spec.egress).toContainEqual(rule);
    expect(find(objects, 'NetworkPolicy', 'orders-egress').spec.egress).not.toContainEqual(rule);

    const known = {
      ...dev,
      cluster: {
        ...dev.cluster,
        podCidrs: ['10.244.0.0/16', 'fd00:10:244::/56'],
        serviceCidrs: ['10.96.0.0/12'],
      },
    };
    expect(find(objectsIn(known, 'commerce'), 'NetworkPolicy', 'payments-egress').spec.egress).toContainEqual(
      {
        to: [
          { ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16', '10.96.0.0/12'] } },
          { ipBlock: { cidr: '::/0', except: ['fd00:10:244::/56'] } },
        ],
        ports: [{ protocol: 'TCP', port: 443 }],
      },
    );
  });
});

describe('egress with Linkerd', () => {
  it('denies what no route allows and routes each declared host by server name', () => {
    const objects = objectsIn(linkerd, 'commerce');
    expect(find(objects, 'EgressNetwork', 'outside').spec).toEqual({ trafficPolicy: 'Deny' });
    const network = { group: 'policy.linkerd.io', kind: 'EgressNetwork', name: 'outside', port: 443 };
    expect(find(objects, 'TLSRoute', 'egress-api.payments.example-443').spec).toEqual({
      hostnames: ['api.payments.example'],
      parentRefs: [network],
      rules: [{ backendRefs: [network] }],
    });
    expect(ofKind(objects, 'Sidecar')).toEqual([]);
  });

  it('fails on tcp destinations and address blocks, which Linkerd cannot tell apart', () => {
    const store: SystemInput = {
      name: 'store',
      owner: 'store-team',
      description: 'x',
      services: {
        api: {
          image: 'registry.acme.example/store/api:1.0.0',
          port: 8080,
          egress: [
            { host: 'db.partner.example', port: 5432, protocol: 'tcp' },
            { host: '198.51.100.0/24', port: 443 },
          ],
        },
      },
    };
    expect(problems([store], [linkerd])).toEqual([
      'store.services.api.egress[0].protocol: Linkerd (environment ld) tells egress destinations apart by TLS server name or HTTP host only, so a tcp destination would open its port to every outside address; use tls, or the istio mesh there',
      'store.services.api.egress[1].host: Linkerd (environment ld) allows egress by TLS server name or HTTP host only, not by address block; name the host, or use the istio mesh there',
    ]);
  });
});

describe('egress hosts', () => {
  it('fails on IPs, misplaced wildcards, in-cluster names and duplicates, each at its path', () => {
    expect(problems(loadDeclarations(path.join(__dirname, '../fixtures/external-egress.yaml')))).toEqual([
      'billing.services.invoices.egress[1].host: "203.0.113.7" is an IP address; declare the block it belongs to as a CIDR (like "203.0.113.7/32") so the rule says how wide it is',
      'billing.services.invoices.egress[2].host: "api.*.example": a wildcard must be the whole leftmost label, like "*.payments.example" (the mesh matches nothing else)',
      'billing.services.invoices.egress[3].host: "*.broker.example": plain TCP carries no name to match a wildcard against; name the host exactly, or use https/tls',
      'billing.services.invoices.egress[4].host: "ledger.accounts.svc.cluster.local" is inside the cluster; declare the service under calls instead',
      'billing.services.invoices.egress[5].host: "localhost" is not a DNS name like "api.payments.example" (lowercase labels of at most 63 characters, at least two of them)',
      'billing.services.invoices.egress[6]: api.payments.example:443 is already declared at egress[0]',
    ]);
  });
});

describe('egress objects against the upstream CRDs', () => {
  let schemas: CrdSchemas;
  beforeAll(async () => {
    schemas = CrdSchemas.load(await crdsDir(), ['istio.yaml', 'linkerd.yaml', 'gateway-api.yaml']);
  });

  it.each([
    ['istio', prod],
    ['linkerd', linkerd],
  ])('are valid with %s', (_mesh, env) => {
    const egressKinds = ['Sidecar', 'ServiceEntry', 'EgressNetwork', 'TLSRoute'];
    const written = fleet.flatMap((s) => objectsIn(env, s.name)).filter((o) => egressKinds.includes(o.kind));
    expect(written.length).toBeGreaterThan(2);
    // Istio's and Linkerd's CRD schemas leave apiVersion and kind out; the API server checks those itself.
    const problems = written
      .flatMap((o) => schemas.validate(o))
      .filter((p) => !/ \.(apiVersion|kind): unknown field$/.test(p));
    expect(problems).toEqual([]);
  });
});
