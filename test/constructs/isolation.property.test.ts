import fc from 'fast-check';
import { systemVaultAccess } from '../../constructs/vault-policy';
import dev from '../../environments/dev';
import { deriveEphemeral } from '../../environments/ephemeral';
import {
  environmentSchema,
  parseFleet,
  resolve,
  systemSchema,
  ValidationError,
  type Environment,
  type Fleet,
  type Issue,
  type SystemInput,
} from '../../model';
import { renderPlatform, renderSystemObjects } from '../../synth/render';

/**
 * Adversarial pairs of systems against the promise that no system can take another's identity.
 * Names are glued from a few tokens that also appear inside other names (`pay` + `ments-api`
 * against `pay-ments` + `api`), and the fleet is rendered whether or not the model accepts it.
 * The oracle is the output itself: every object in the cluster, the Kafka users, consumer
 * groups, Vault roles and policies, and the files of `dist/<env>/`. The model must refuse a
 * fleet exactly when two of those collide, and name the colliding name in its problem.
 */

const TOKENS = ['a', 'b', 'pay', 'ments', 'api', 'v1', 'kong', 'platform', 'pr'];
const nameArb = fc
  .array(fc.constantFrom(...TOKENS), { minLength: 1, maxLength: 3 })
  .map((tokens) => tokens.join('-'))
  // A name starting "pr-" and the like is fine; those starting with a digit are not DNS-1035.
  .filter((name) => /^[a-z]/.test(name));
const pathArb = fc
  .array(fc.constantFrom('a', 'b', 'c', 'v1', 'api'), { minLength: 0, maxLength: 3 })
  .chain((tokens) =>
    fc
      .array(fc.constantFrom('-', '/', '.'), { minLength: tokens.length, maxLength: tokens.length })
      .map((seps) => `/${tokens.map((t, i) => (i === 0 ? t : `${seps[i]}${t}`)).join('')}`),
  );

interface Spec {
  readonly name: string;
  readonly services: readonly { readonly name: string; readonly paths: readonly string[] }[];
  readonly jobs: readonly string[];
}

const systemArb: fc.Arbitrary<Spec> = fc
  .record({
    name: nameArb,
    services: fc.uniqueArray(fc.record({ name: nameArb, paths: fc.uniqueArray(pathArb, { maxLength: 2 }) }), {
      minLength: 1,
      maxLength: 3,
      selector: (s) => s.name,
    }),
    jobs: fc.uniqueArray(nameArb, { maxLength: 1 }),
  })
  // Kept to the clashes this test is about: a job named like a service, or one path in two
  // services of a system, are refused by other checks with their own tests.
  .filter((s) => s.jobs.every((j) => s.services.every((svc) => svc.name !== j)))
  .filter((s) => {
    const paths = s.services.flatMap((svc) => svc.paths.map((p) => (p === '/' ? p : p.replace(/\/$/, ''))));
    return new Set(paths).size === paths.length;
  });

const fleetArb = fc.record({
  systems: fc.uniqueArray(systemArb, { minLength: 2, maxLength: 2, selector: (s) => s.name }),
  /** An ephemeral environment derived from dev, sharing its cluster, Kafka and Vault. */
  ephemeral: fc.option(
    nameArb.filter((n) => n.length <= 20),
    { nil: undefined },
  ),
});

/** Every workload reads a secret and publishes a topic, so each has a Kafka user and a Vault role. */
function input(spec: Spec): SystemInput {
  const workload = { secrets: { token: `kv/data/${spec.name}/token` }, topics: { publishes: ['events'] } };
  return {
    name: spec.name,
    owner: 'team',
    description: `System ${spec.name}`,
    topics: { events: {} },
    services: Object.fromEntries(
      spec.services.map((svc) => [
        svc.name,
        {
          image: `registry.acme.example/${spec.name}/${svc.name}:1.0.0`,
          port: 8080,
          ...workload,
          ...(svc.paths.length > 0 ? { routes: svc.paths.map((path) => ({ path })) } : {}),
        },
      ]),
    ),
    jobs: Object.fromEntries(
      spec.jobs.map((job) => [
        job,
        { image: `registry.acme.example/${spec.name}/${job}:1.0.0`, schedule: '0 3 * * *', ...workload },
      ]),
    ),
  } as SystemInput;
}

const DEV = environmentSchema.parse(dev);
let platformIdentities: string[] = [];
beforeAll(() => {
  platformIdentities = identitiesOfObjects(renderedObjects(renderPlatform(DEV, [])));
  platformIdentities.push('dist/dev/platform.yaml');
});

function renderedObjects(yaml: string): Record<string, unknown>[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parseAllDocuments } = require('yaml') as typeof import('yaml');
  return parseAllDocuments(yaml).map((d) => d.toJSON() as Record<string, unknown>);
}

function identitiesOfObjects(objects: readonly Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const o of objects) {
    const metadata = o.metadata as { name: string; namespace?: string };
    const group = String(o.apiVersion).split('/').slice(0, -1).join('/');
    out.push(`${group}/${String(o.kind)} ${metadata.namespace ?? ''}/${metadata.name}`);
    // A KafkaUser's consumer group lives in Kafka, not in the cluster: another shared name.
    const acls = (o.spec as { authorization?: { acls?: { resource: { type: string; name: string } }[] } })
      ?.authorization?.acls;
    for (const acl of acls ?? [])
      if (acl.resource.type === 'group') out.push(`kafka-group ${acl.resource.name}`);
    // The shared gateway: a hostname and path prefix reach one backend only.
    if (o.kind === 'HTTPRoute') {
      const spec = o.spec as { hostnames: string[]; rules: { matches: { path: { value: string } }[] }[] };
      const paths = new Set(spec.rules.flatMap((r) => r.matches.map((m) => m.path.value)));
      for (const host of spec.hostnames) for (const path of paths) out.push(`gateway ${host}${path}`);
    }
  }
  return out;
}

/** What one environment's systems claim in the places they share with every other system. */
function identitiesOf(fleet: Fleet, env: Environment): string[] {
  const out: string[] = [];
  for (const system of fleet.systems) {
    const resolved = resolve(system, env, fleet);
    out.push(...identitiesOfObjects(renderSystemObjects(resolved)));
    for (const access of systemVaultAccess(resolved)) {
      out.push(`vault-policy ${access.policy.name}`, `vault-role ${access.role.name}`);
    }
    out.push(`dist/${env.name}/${system.name}.yaml`);
  }
  return out;
}

function duplicates(names: readonly string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const n of names) (seen.has(n) ? twice : seen).add(n);
  return [...twice].sort();
}

function issuesOf(inputs: SystemInput[], environments: Environment[]): Issue[] {
  try {
    parseFleet(inputs, environments);
    return [];
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
}

describe('isolation between systems (property)', () => {
  it('refuses a fleet exactly when two derived identities collide, naming the name', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(fleetArb, ({ systems, ephemeral }) => {
        const inputs = systems.map(input);
        // The fleet as it would render if nothing checked it.
        const parsed = inputs.map((i) => systemSchema.parse(i));
        const fleet: Fleet = {
          systems: parsed,
          environments: [DEV],
          byName: new Map(parsed.map((s) => [s.name, s])),
          regoSources: new Map(),
        };
        const envs: Environment[] = [DEV];
        if (ephemeral !== undefined) envs.push(deriveEphemeral(DEV, { name: ephemeral }));
        const claimed = [...platformIdentities, ...envs.flatMap((env) => identitiesOf(fleet, env))];
        const clashes = duplicates(claimed);

        const issues = issuesOf(inputs, ephemeral === undefined ? [DEV] : [envs[1]]);
        const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
        if (clashes.length === 0) {
          expect(text).toBe('');
          accepted++;
        } else {
          expect(issues.length).toBeGreaterThan(0);
          // The problem names what would collide (the object's name, or the system's).
          const names = clashes.map((c) =>
            c
              .split(/[ /]/)
              .pop()!
              .replace(/\.yaml$/, ''),
          );
          expect({ clashes, named: names.some((n) => text.includes(`"${n}"`)) }).toEqual({
            clashes,
            named: true,
          });
          refused++;
        }
      }),
      { numRuns: 60 },
    );
    // The generator must reach both sides, or the property says nothing.
    expect(accepted).toBeGreaterThan(5);
    expect(refused).toBeGreaterThan(5);
  });
});
