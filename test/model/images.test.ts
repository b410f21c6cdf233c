import * as path from 'node:path';
import { EXTRA_REGISTRIES_ANNOTATION } from '../../constructs/system-namespace';
import dev from '../../environments/dev';
import prod from '../../environments/prod';
import { unpinnedReason, type SystemInput } from '../../model';
import { loadDeclarations } from '../../synth/load';
import { chartObjects, find, resolveIn } from '../constructs/system-objects';
import { fleetProblems as problems } from './fleet-problems';

const DIGEST = 'sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945';

describe('image pins', () => {
  it.each(['redis:7.2.4', 'redis:7.2-alpine', 'redis:v2', `redis@${DIGEST}`, `redis:alpine@${DIGEST}`])(
    'accepts %s',
    (image) => expect(unpinnedReason(image)).toBeUndefined(),
  );

  it.each(['latest', 'alpine', 'stable', 'main', 'edge'])('refuses the floating tag %s', (tag) => {
    expect(unpinnedReason(`redis:${tag}`)).toBe(
      `the tag "${tag}" floats; pin a version tag (one with a digit, like 7.2.4) or a digest`,
    );
  });

  it('reports floating tags and a registry without its trailing slash, each with its path', () => {
    expect(problems(loadDeclarations(path.join(__dirname, '../fixtures/floating-images.yaml')))).toEqual([
      'cache.registries[1]: expected a registry prefix ending in "/", like "quay.io/acme-vendor/"',
      'cache.services.redis.image: the tag "alpine" floats; pin a version tag (one with a digit, like 7.2.4) or a digest, got "quay.io/acme-cache/redis:alpine"',
      'cache.services.sessions.image: the tag "stable" floats; pin a version tag (one with a digit, like 7.2.4) or a digest, got "quay.io/acme-cache/redis:stable"',
    ]);
  });

  it('refuses a tag without digest where the environment requires digests, the OPA image included', () => {
    const system: SystemInput = {
      name: 'cache',
      owner: 'platform-team',
      description: 'Shared caches',
      services: { redis: { image: 'registry.acme.example/mirror/redis:7.2.4', port: 6379 } },
    };
    const env = {
      ...prod,
      mesh: { ...prod.mesh, opaImage: 'registry.acme.example/mirror/opa:1.22.2-envoy' },
    };
    expect(problems([system], [env])).toEqual([
      'cache.services.redis.image: environment prod requires digests (policy.requireDigests): a tag alone is not a pin here; add the digest, like "registry.acme.example/mirror/redis:7.2.4@sha256:<64 hex>"',
      'environments.prod.mesh.opaImage: environment prod requires digests (policy.requireDigests): a tag alone is not a pin here; add the digest, like "registry.acme.example/mirror/opa:1.22.2-envoy@sha256:<64 hex>"',
    ]);
    expect(problems([system], [dev])).toEqual([]);
  });

  it("writes a system's extra registries onto its namespace, where the allowed-registries policy reads them", () => {
    const system: SystemInput = {
      name: 'cache',
      owner: 'platform-team',
      description: 'Shared caches',
      registries: ['quay.io/acme-cache/', 'ghcr.io/vendor/'],
      services: { redis: { image: 'quay.io/acme-cache/redis:7.2.4', port: 6379 } },
    };
    const ns = find(chartObjects(resolveIn(dev, 'cache', [system])), 'Namespace', 'cache');
    expect(ns.metadata.annotations[EXTRA_REGISTRIES_ANNOTATION]).toBe('quay.io/acme-cache/,ghcr.io/vendor/');
  });
});
