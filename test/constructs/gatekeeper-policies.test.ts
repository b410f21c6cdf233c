import { environments } from '../../environments';
import { GatekeeperPolicies } from '../../constructs/gatekeeper-policies';
import { parseFleet } from '../../model';
import { loadPolicies } from '../../policies/catalog';
import { testChart } from '../cdk8s';

const prod = parseFleet([], [environments[3]]).environments[0];

describe('GatekeeperPolicies', () => {
  it('writes every template exactly as its template.yaml holds it, through the typed binding', () => {
    const rules = loadPolicies();
    const chart = testChart();
    new GatekeeperPolicies(chart, 'policies', { environment: prod, rules });
    const templates = chart.toJson().filter((o: any) => o.kind === 'ConstraintTemplate');
    expect(templates.map((t: any) => t.metadata.name)).toEqual(
      rules.map((r) => (r.template.metadata as { name: string }).name),
    );
    for (const [i, rule] of rules.entries()) expect(templates[i]).toEqual(rule.template);
  });

  it('refuses a template field the binding would drop, naming the rule', () => {
    const [rule, ...rest] = loadPolicies();
    const spec = rule.template.spec as { targets: Record<string, unknown>[] };
    const changed = {
      ...rule,
      template: {
        ...rule.template,
        spec: { ...spec, targets: [{ ...spec.targets[0], entryPoint: 'main' }] },
      },
    };
    expect(
      () => new GatekeeperPolicies(testChart(), 'policies', { environment: prod, rules: [changed, ...rest] }),
    ).toThrow(
      `policies/${rule.name}/template.yaml would not be written back as it is through the ConstraintTemplate binding (templates.gatekeeper.sh/v1)`,
    );
  });
});
