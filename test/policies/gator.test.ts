import { loadPolicies } from '../../policies/catalog';
import { BUILD_TIMEOUT_MS, run, toolPath } from './tools';

describe('the ConstraintTemplates of policies/ under gator verify', () => {
  let gator: string;
  beforeAll(() => {
    gator = toolPath('gator');
  }, BUILD_TIMEOUT_MS);

  it('passes every suite, one per rule', () => {
    const result = run(gator, ['verify', 'policies/...']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const passed = [...result.stdout.matchAll(/^ok\s+policies\/([\w-]+)\/suite\.yaml/gm)].map((m) => m[1]);
    expect(passed.sort()).toEqual(loadPolicies().map((r) => r.name));
    expect(result.stdout).not.toMatch(/FAIL/);
  });
});
