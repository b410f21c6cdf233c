import { loadPolicies } from '../../policies/catalog';
import { BUILD_TIMEOUT_MS, run, toolPath } from './tools';

describe('the Rego of policies/ under the real OPA', () => {
  let opa: string;
  beforeAll(() => {
    opa = toolPath('opa');
  }, BUILD_TIMEOUT_MS);

  // The samples and templates are YAML: opa would load them as data documents, which conflict.
  const ignoreYaml = ['--ignore', '*.yaml'];

  it('passes opa check --strict', () => {
    const result = run(opa, ['check', '--strict', 'policies/']);
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it('is formatted as opa fmt writes it', () => {
    const result = run(opa, ['fmt', '--list', 'policies/']);
    expect(result.stdout.trim()).toBe('');
    expect(result.status).toBe(0);
  });

  it('passes opa test, with cases that allow and cases that deny for every rule', () => {
    const result = run(opa, ['test', 'policies/', '-v', ...ignoreYaml]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);

    const outcomes = [...result.stdout.matchAll(/^data\.([\w.]+)\.(test_\w+): (\w+)/gm)].map(
      ([, pkg, name, outcome]) => ({ pkg, name, outcome }),
    );
    expect(outcomes.filter((o) => o.outcome !== 'PASS')).toEqual([]);
    for (const rule of loadPolicies()) {
      const tests = outcomes.filter((o) => o.pkg === `${rule.regoPackage}_test`).map((o) => o.name);
      expect({ rule: rule.name, count: tests.length >= 2 }).toEqual({ rule: rule.name, count: true });
      expect({ rule: rule.name, allows: tests.some((t) => t.startsWith('test_allows')) }).toEqual({
        rule: rule.name,
        allows: true,
      });
      expect({ rule: rule.name, denies: tests.some((t) => t.startsWith('test_denies')) }).toEqual({
        rule: rule.name,
        denies: true,
      });
    }
  });
});
