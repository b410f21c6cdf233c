import * as fs from 'node:fs';
import * as path from 'node:path';
import { deriveEphemeral } from '../../environments/ephemeral';
import { environments } from '../../environments';
import { parseFleet, resolve, type Environment } from '../../model';
import { recordedNamespaces } from '../../stacks/ephemeral-stacks';
import { planVault, type SystemVaultPlan } from '../../stacks/vault-apply';
import {
  environmentNamespaces,
  removalPaths,
  selectVaultObjects,
  type VaultInventory,
} from '../../stacks/vault-remove';
import { renderVaultTree } from '../../stacks/vault-step';
import { loadDeclarations } from '../../synth/load';
import { vaultPathsOf } from '../fixtures/vault-paths';

const systems = loadDeclarations('charts');
const dev = environments.find((e) => e.name === 'dev')!;

/** What `syskit vault apply` writes for an environment, planned from the files syskit renders. */
function plansOf(env: Environment): SystemVaultPlan[] {
  const fleet = parseFleet(systems, [env]);
  const resolved = fleet.systems.map((s) => resolve(s, fleet.environments[0], fleet));
  const envDir = renderVaultTree(resolved);
  try {
    return planVault(envDir, resolved);
  } finally {
    fs.rmSync(path.dirname(envDir), { recursive: true, force: true });
  }
}

const last = (p: string) => p.slice(p.lastIndexOf('/') + 1);
const mountOf = (p: string, kind: string) => p.slice(0, p.lastIndexOf(`/${kind}/`));

/** Vault's contents after the plans were applied, as `readVaultInventory` reports them. */
function inventoryOf(plans: readonly SystemVaultPlan[]): VaultInventory {
  return {
    kubernetesRoles: plans.flatMap((p) =>
      p.roles.map((r) => ({
        mount: p.authMount,
        name: r.name,
        boundNamespaces: r.body.bound_service_account_namespaces as string[],
        tokenPolicies: r.body.token_policies as string[],
      })),
    ),
    policies: plans.flatMap((p) => p.policies.map((x) => ({ name: x.name, hcl: x.hcl }))),
    pkiRoles: plans.flatMap((p) => p.pkiRoles.map((r) => ({ mount: p.kafkaPkiMount, name: r.name }))),
    databaseRoles: plans.flatMap((p) =>
      (p.database?.roles ?? []).map((r) => ({
        mount: mountOf(r.path, 'roles'),
        name: last(r.path),
        dbName: String(r.body.db_name),
      })),
    ),
    databaseConnections: plans.flatMap((p) =>
      p.database
        ? [{ mount: mountOf(p.database.connection.path, 'config'), name: last(p.database.connection.path) }]
        : [],
    ),
  };
}

const merge = (...inventories: VaultInventory[]): VaultInventory => ({
  kubernetesRoles: inventories.flatMap((i) => i.kubernetesRoles),
  policies: inventories.flatMap((i) => i.policies),
  pkiRoles: inventories.flatMap((i) => i.pkiRoles),
  databaseRoles: inventories.flatMap((i) => i.databaseRoles),
  databaseConnections: inventories.flatMap((i) => i.databaseConnections),
});

describe("selecting an ephemeral environment's Vault objects", () => {
  const longLived = plansOf(parseFleet(systems, [dev]).environments[0]);
  // "pr-4-x" is the neighbour whose names start with pr-4's: commerce-pr-4-x-orders begins with commerce-pr-4-.
  const pr4 = plansOf(deriveEphemeral(dev, { name: 'pr-4' }));
  const pr4x = plansOf(deriveEphemeral(dev, { name: 'pr-4-x' }));
  const vault = merge(inventoryOf(longLived), inventoryOf(pr4), inventoryOf(pr4x));
  const pr4Namespaces = pr4.map((p) => p.namespace);

  it('selects every object the environment applied, and nothing else', () => {
    // The fixture must hold the trap it is about: names of pr-4-x that start with a namespace of pr-4.
    expect(vaultPathsOf(pr4x).some((p) => pr4Namespaces.some((ns) => last(p).startsWith(`${ns}-`)))).toBe(
      true,
    );
    expect(vaultPathsOf(pr4).length).toBeGreaterThan(10);
    const selected = selectVaultObjects(vault, pr4Namespaces);
    expect(removalPaths(selected).sort()).toEqual(vaultPathsOf(pr4));
    expect(selected.pkiRoles.length).toBeGreaterThan(0);
    expect(selected.databaseConnections.length).toBeGreaterThan(0);
  });

  it("never selects a long-lived environment's or another ephemeral environment's objects", () => {
    const selected = removalPaths(selectVaultObjects(vault, pr4Namespaces));
    const others = new Set([...vaultPathsOf(longLived), ...vaultPathsOf(pr4x)]);
    expect(selected.filter((p) => others.has(p))).toEqual([]);
    // The neighbour, removed in turn, takes only its own.
    expect(
      removalPaths(
        selectVaultObjects(
          vault,
          pr4x.map((p) => p.namespace),
        ),
      ).sort(),
    ).toEqual(vaultPathsOf(pr4x));
  });

  it("selects nothing for a long-lived environment's namespaces given as an ephemeral one's", () => {
    // environmentNamespaces keeps only <system>-<name>: the base's namespaces never reach the selection.
    expect(environmentNamespaces('pr-4', [...longLived.map((p) => p.namespace), 'commerce-pr-4'])).toEqual([
      'commerce-pr-4',
    ]);
    expect(environmentNamespaces('pr-4', ['pr-4', '-pr-4'])).toEqual([]);
  });

  it('finds the policies and PKI roles a removal that was cut short left behind', () => {
    // The Kubernetes-auth roles went first; the policies (found by their header) still lead to the PKI roles.
    const cut = {
      ...vault,
      kubernetesRoles: vault.kubernetesRoles.filter(
        (r) => !pr4Namespaces.some((ns) => r.boundNamespaces.includes(ns)),
      ),
    };
    const selected = selectVaultObjects(cut, pr4Namespaces);
    expect(selected.kubernetesRoles).toEqual([]);
    expect(selected.policies).toEqual(
      pr4.flatMap((p) => p.policies.map((x) => `sys/policies/acl/${x.name}`)).sort(),
    );
    expect(selected.pkiRoles).toEqual(pr4.flatMap((p) => p.pkiRoles.map((r) => r.path)).sort());
  });

  it('leaves a policy that a role of another namespace grants, and one written by someone else', () => {
    const [policy] = pr4[0].policies;
    const foreignRole = {
      mount: pr4[0].authMount,
      name: 'audit-reader',
      boundNamespaces: ['audit'],
      tokenPolicies: [policy.name],
    };
    const handWritten = {
      name: `${pr4[0].namespace}-by-hand`,
      hcl: 'path "kv/data/x" { capabilities = ["read"] }\n',
    };
    const selected = selectVaultObjects(
      {
        ...vault,
        kubernetesRoles: [...vault.kubernetesRoles, foreignRole],
        policies: [...vault.policies, handWritten],
      },
      pr4Namespaces,
    );
    expect(selected.policies).not.toContain(`sys/policies/acl/${policy.name}`);
    expect(selected.policies).not.toContain(`sys/policies/acl/${handWritten.name}`);
    expect(selected.kubernetesRoles).not.toContain(`auth/${foreignRole.mount}/role/audit-reader`);
  });
});

describe('the namespaces a destroyed stack recorded', () => {
  it('reads the Namespace objects and the namespaces output of the exported state', () => {
    const deployment = {
      resources: [
        {
          type: 'pulumi:pulumi:Stack',
          urn: 'u1',
          outputs: { namespaces: ['commerce-pr-4', 'identity-pr-4'] },
        },
        { type: 'kubernetes:core/v1:Namespace', urn: 'u2', id: 'commerce-pr-4' },
        { type: 'kubernetes:core/v1:Namespace', urn: 'u3', id: 'fulfillment-pr-4' },
        { type: 'kubernetes:apps/v1:Deployment', urn: 'u4', id: 'commerce-pr-4/orders' },
      ],
    };
    expect(recordedNamespaces(deployment)).toEqual(['commerce-pr-4', 'fulfillment-pr-4', 'identity-pr-4']);
    expect(recordedNamespaces(undefined)).toEqual([]);
  });
});
