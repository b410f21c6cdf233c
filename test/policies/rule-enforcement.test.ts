import { parseAllDocuments } from 'yaml';
import { parseFleet, ValidationError } from '../../model';
import { loadPolicies, policyRuleNames } from '../../policies/catalog';
import { plan } from '../../synth/engine';
import { renderPlatform } from '../../synth/render';
import prod from '../../environments/prod';
import { accounts, shop } from '../fixtures/fleet';

const withRules = (rules: Record<string, string>) => ({ ...prod, policy: { ...prod.policy, rules } });

describe('per-rule enforcement', () => {
  it('names exactly the rules of the catalog', () => {
    expect(policyRuleNames()).toEqual(loadPolicies().map((r) => r.name));
  });

  it("writes a rule's own enforcement into its Constraint and leaves the others at the environment's", () => {
    const fleet = parseFleet([shop, accounts], [withRules({ 'pinned-images': 'warn' })]);
    const objects = parseAllDocuments(renderPlatform(fleet.environments[0], ['shop.acme.example'])).map(
      (d) => d.toJSON() as any,
    );
    const constraints = objects.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
    expect(constraints.length).toBe(policyRuleNames().length);
    for (const c of constraints) {
      expect([c.metadata.name, c.spec.enforcementAction]).toEqual([
        c.metadata.name,
        c.metadata.name === 'pinned-images' ? 'warn' : 'deny',
      ]);
    }
  });

  it('fails on a rule the catalog does not have, naming the path and the closest rule', () => {
    let error: unknown;
    try {
      plan([shop, accounts], [withRules({ 'pinned-image': 'warn' })]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([
      {
        path: 'environments.prod.policy.rules.pinned-image',
        message: expect.stringMatching(
          /^unknown policy rule "pinned-image" \(did you mean "pinned-images"\?\); known: allowed-registries, /,
        ),
      },
    ]);
  });

  it('accepts only dryrun, warn or deny', () => {
    expect(() => parseFleet([shop, accounts], [withRules({ 'pinned-images': 'audit' })])).toThrow(
      /environments\.prod\.policy\.rules\.pinned-images/,
    );
  });
});
