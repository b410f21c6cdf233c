import { runCli as run } from './run-in-process';

describe('syskit diff --against-env', () => {
  it('reports what promoting staging to prod would change: sizing, not security', async () => {
    const result = await run('diff', '--env', 'staging', '--against-env', 'prod', '--format', 'json');
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out);
    expect([report.base, report.head, report.environments.map((e: any) => e.name)]).toEqual([
      'prod',
      'staging',
      ['staging -> prod'],
    ]);
    const changes = report.environments[0].systems.flatMap((s: any) => s.changes);
    // Same declarations on both sides: routes, calls and grants match despite different domains.
    expect(changes.filter((c: any) => c.category === 'security')).toEqual([]);
    expect(changes).toContainEqual({
      kind: 'database.instances',
      category: 'sizing',
      subject: 'commerce',
      before: 3,
      after: 2,
      risk: 'medium',
    });
    expect((await run('diff', '--env', 'staging', '--against-env', 'prod', '--fail-on', 'high')).code).toBe(
      0,
    );
  });

  it('fails with usage errors on contradictory flags', async () => {
    for (const [args, message] of [
      [['--against-env', 'prod'], '--against-env needs exactly one --env'],
      [['--env', 'prod', '--against-env', 'prod'], 'compares prod with itself'],
      [['--env', 'dev', '--against-env', 'prod', '--base', 'HEAD'], 'leave out --base and --base-dir'],
      [['--base', 'HEAD', '--base-dir', '.'], 'give --base or --base-dir, not both'],
      [['--format', 'yaml'], '--format expects text, markdown, json, got "yaml"'],
      [['--env', 'prd'], 'unknown environment "prd" (did you mean "prod"?)'],
    ] as const) {
      const result = await run('diff', ...args);
      expect([result.code, result.err]).toEqual([2, expect.stringContaining(message)]);
    }
  });
});

describe('syskit impact', () => {
  it('prints the callers of an example service per environment, and JSON for tools', async () => {
    const json = await run('impact', 'identity/sessions', '--env', 'dev', '--format', 'json');
    expect(json.code).toBe(0);
    const [impact] = JSON.parse(json.out);
    expect(impact.callers.map((c: any) => c.workload)).toEqual([
      'commerce/cart',
      'identity/accounts',
      'commerce/orders',
      'fulfillment/notifications',
      'commerce/settle-payments',
      'fulfillment/shipments',
    ]);
    const text = await run('impact', 'commerce/payments');
    expect(text.out.split('\n').filter((l) => /^\S+: commerce\/payments/.test(l))).toEqual([
      'dev: commerce/payments (commerce/payments)',
      'prod: commerce/payments (commerce/payments)',
      'qa: commerce/payments (commerce/payments)',
      'staging: commerce/payments (commerce/payments)',
    ]);
  });

  it('fails with usage errors on an unknown target, a missing one, or Mermaid for many environments', async () => {
    expect(await run('impact', 'commerce/payment', '--env', 'dev')).toMatchObject({
      code: 2,
      err: 'syskit: unknown service "payment" in system "commerce" (did you mean "payments"?)',
    });
    expect((await run('impact')).code).toBe(2);
    expect((await run('impact', 'commerce', '--format', 'mermaid')).err).toContain('draws one environment');
  });
});
