import * as path from 'node:path';
import { dev } from '../../environments';
import { deriveEphemeral } from '../../environments/ephemeral';
import { loadDeclarations } from '../../synth/load';
import { fleetProblems as problems } from './fleet-problems';

const system = 'r'.repeat(30);
const service = 'p'.repeat(40);
const secret = 's'.repeat(50);

describe('Kubernetes and operator limits, at the field that causes them', () => {
  it('fails on an owner label, a Vault annotation key and a KafkaUser over their limits, naming what was computed', () => {
    expect(problems(loadDeclarations(path.join(__dirname, '../fixtures/long-names.yaml')))).toEqual([
      `${system}.owner: "${'a'.repeat(60)}-team-xyz" is 69 characters; it becomes the value of the syskit.io/owner label on every object, which may have at most 63`,
      `${system}.services.${service}: its KafkaUser in environment dev would be "${system}-${service}" (71 characters); Strimzi takes a TLS user's name as its certificate's common name, at most 64; shorten the system or workload name`,
      `${system}.services.${service}.secrets.${secret}: the annotation key "vault.hashicorp.com/agent-inject-template-${secret}" has a name part of 72 characters, over the 63 Kubernetes allows; shorten the secret name to at most 41 characters`,
    ]);
  });

  it('accepts the longest names that fit', () => {
    const fits = {
      name: 'r'.repeat(23),
      owner: 'o'.repeat(63),
      description: 'x',
      services: {
        [service]: {
          image: 'registry.acme.example/x/publisher:1.0.0',
          port: 8080,
          secrets: { ['s'.repeat(41)]: `kv/data/${'r'.repeat(23)}/key` },
          topics: { publishes: ['events'] },
        },
      },
      topics: { events: {} },
    };
    // 23 + 1 + 40 = 64 characters of KafkaUser, 22 + 41 = 63 of annotation key name.
    expect(problems([fits])).toEqual([]);
  });

  describe('Vault role and policy names', () => {
    const long = 'v'.repeat(30);
    const pr = deriveEphemeral(dev, { name: 'pr-4711-settlements' });

    it('fails on a role over 64 characters at the workload that gets it, in the first environment where it is', () => {
      const fixture = loadDeclarations(path.join(__dirname, '../fixtures/long-vault-roles.yaml'));
      expect(problems(fixture, [dev, pr])).toEqual([
        `payments-reconciler.services.settlement-statement-exporter-v2: its Vault role and policy in environment pr-4711-settlements would be "payments-reconciler-pr-4711-settlements-settlement-statement-exporter-v2" (72 characters); syskit keeps them within 64, the limit the same name meets as a KafkaUser; shorten the system or workload name`,
        `${long}.jobs.${'j'.repeat(35)}: its Vault role and policy in environment dev would be "${long}-${'j'.repeat(35)}" (66 characters); syskit keeps them within 64, the limit the same name meets as a KafkaUser; shorten the system or workload name`,
        `${long}.services.${'s'.repeat(40)}: its Vault role and policy in environment dev would be "${long}-${'s'.repeat(40)}" (71 characters); syskit keeps them within 64, the limit the same name meets as a KafkaUser; shorten the system or workload name`,
      ]);
    });

    it('accepts the ephemeral system in its long-lived environment', () => {
      const fixture = loadDeclarations(path.join(__dirname, '../fixtures/long-vault-roles.yaml'));
      expect(problems(fixture.slice(1), [dev])).toEqual([]);
    });

    it('accepts a role of exactly 64 characters, and a long workload that Vault never sees', () => {
      const role = (workload: Record<string, unknown>) => ({
        name: 'r'.repeat(23),
        owner: 'team',
        description: 'x',
        services: {
          [service]: { image: 'registry.acme.example/x/api:1.0.0', port: 8080, ...workload },
        },
      });
      // 23 + 1 + 40 = 64 characters.
      expect(problems([role({ secrets: { key: `kv/data/${'r'.repeat(23)}/key` } })])).toEqual([]);
      expect(problems([{ ...role({}), name: 'r'.repeat(30) }])).toEqual([]);
    });
  });
});
