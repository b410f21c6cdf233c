import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { applyPullRequestChange } from '../fixtures/pull-request-change';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/syskit.js');

/** A git repository of the example declarations and the model, committed on main. */
function exampleRepository(prefix: string, before?: (repo: string) => void): string {
  const repo = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  for (const dir of ['charts', 'environments', 'model', 'policies/authz'])
    fs.cpSync(path.join(ROOT, dir), path.join(repo, dir), { recursive: true });
  // A monorepo has its package.json at the root; the model finds the repository by it.
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(repo, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(repo, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n');
  before?.(repo);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('-c', 'user.name=test', '-c', 'user.email=test@acme.example', 'commit', '-q', '-m', 'base');
  return repo;
}

/**
 * End to end: a repository holding the example charts, a commit, then a chart changed in the
 * work tree, and `syskit diff` run as users run it.
 */
describe('syskit diff against a git commit', () => {
  let repo: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
  const diff = (...args: string[]) => {
    const run = spawnSync(
      process.execPath,
      [BIN, 'diff', '--systems', 'charts', '--environments', 'environments', ...args],
      { cwd: repo, encoding: 'utf8' },
    );
    return { code: run.status, out: run.stdout, err: run.stderr };
  };

  beforeAll(() => {
    repo = exampleRepository('syskit-diff-');
    applyPullRequestChange(repo);
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('names exactly the changes made, with their risks, and exits 1', () => {
    const status = git('status', '--porcelain');
    const result = diff('--format', 'json');
    expect(result.err).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.out);
    expect(report.base).toBe('HEAD');

    const chartChanges = [
      {
        kind: 'call',
        subject: 'commerce/cart -> commerce/payments',
        before: null,
        after: 'grpc:8443',
        risk: 'medium',
      },
      {
        kind: 'route.auth',
        subject: 'commerce/cart shop/v1/cart',
        before: 'jwt',
        after: 'none',
        risk: 'high',
      },
      {
        kind: 'secret',
        subject: 'commerce/cart kv/data/commerce/coupons',
        before: null,
        after: 'coupon-key',
        risk: 'medium',
      },
      { kind: 'database', subject: 'commerce/catalog', before: 'readonly', after: 'readwrite', risk: 'high' },
    ];
    const summary = report.environments.map((env: any) => ({
      name: env.name,
      systems: env.systems.map((s: any) => ({
        name: s.name,
        risk: s.risk,
        // The granted secret adds a Vault Agent sidecar to cart, so the namespace quota grows with
        // it; that sizing change is checked on its own below.
        changes: s.changes
          .filter((c: any) => c.kind !== 'quota')
          .map(({ kind, subject, before, after, risk }: any) => ({ kind, subject, before, after, risk })),
      })),
    }));
    for (const env of report.environments) {
      const quota = env.systems
        .find((s: any) => s.name === 'commerce')
        .changes.filter((c: any) => c.kind === 'quota');
      expect(quota).toHaveLength(1);
      expect(quota[0]).toMatchObject({ subject: 'commerce/system-quota', risk: 'info' });
      const cpu = (q: any) => Number.parseInt(q['limits.cpu'], 10);
      expect(cpu(quota[0].after)).toBeGreaterThan(cpu(quota[0].before));
    }
    const commerce = { name: 'commerce', risk: 'high', changes: chartChanges };
    expect(summary).toEqual([
      { name: 'dev', systems: [commerce] },
      {
        name: 'prod',
        systems: [
          {
            name: 'platform',
            risk: 'high',
            changes: [
              { kind: 'policy', subject: 'pinned-images', before: 'deny', after: 'warn', risk: 'high' },
            ],
          },
          commerce,
        ],
      },
      { name: 'qa', systems: [commerce] },
      { name: 'staging', systems: [commerce] },
    ]);

    const prod = report.environments.find((e: any) => e.name === 'prod');
    expect(prod.systems[0].objects).toEqual({ added: {}, removed: {}, changed: { SyskitPinnedImages: 1 } });
    const objects = prod.systems[1].objects;
    expect(objects.removed).toEqual({ KongPlugin: 1 }); // the cart route's jwt plugin
    expect(objects.changed).toMatchObject({
      AuthorizationPolicy: expect.any(Number),
      NetworkPolicy: expect.any(Number),
    });

    // The base was read without touching the work tree, the index or the worktree list.
    expect(git('status', '--porcelain')).toBe(status);
    expect(git('worktree', 'list').trim().split('\n')).toHaveLength(1);
  }, 120_000);

  it('gates CI on a risk, writes a pull-request comment, and has nothing to review once committed', () => {
    expect(diff('--env', 'dev', '--fail-on', 'high').code).toBe(1);
    const markdown = diff('--env', 'dev', '--format', 'markdown', '--objects');
    expect(markdown.code).toBe(1);
    expect(markdown.out).toContain('| dev | commerce | 🔴 high | 4 | 1 | 0 |');
    expect(markdown.out).toContain('+              - cluster.local/ns/commerce/sa/cart');

    git('-c', 'user.name=test', '-c', 'user.email=test@acme.example', 'commit', '-q', '-am', 'change');
    const clean = diff('--env', 'dev');
    expect(clean.code).toBe(0);
    expect(clean.out).toContain('nothing to review');
    const previous = diff('--env', 'dev', '--base', 'HEAD~1', '--fail-on', 'critical');
    expect(previous.code).toBe(2);
    expect(previous.err).toContain('--fail-on expects info, low, medium, high, got "critical"');
  }, 120_000);
});

describe('syskit diff with declarations that import beyond their folders', () => {
  let repo: string;

  beforeAll(() => {
    // The sign-up route takes its authentication from a module outside charts/ and model/.
    repo = exampleRepository('syskit-diff-imports-', (dir) => {
      fs.mkdirSync(path.join(dir, 'shared'));
      fs.writeFileSync(path.join(dir, 'shared/exposure.ts'), "export const SIGNUP_AUTH = 'none' as const;\n");
      const chart = path.join(dir, 'charts/identity.ts');
      const text = fs.readFileSync(chart, 'utf8');
      expect(text).toContain("auth: 'none',");
      fs.writeFileSync(
        chart,
        `import { SIGNUP_AUTH } from '../shared/exposure';\n${text.replace("auth: 'none',", 'auth: SIGNUP_AUTH,')}`,
      );
    });
    fs.writeFileSync(path.join(repo, 'shared/exposure.ts'), "export const SIGNUP_AUTH = 'jwt' as const;\n");
  });
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it('reads the base with what its declarations import, and reports the change that came through it', () => {
    const run = spawnSync(
      process.execPath,
      [
        BIN,
        'diff',
        '--systems',
        'charts',
        '--environments',
        'environments',
        '--env',
        'dev',
        '--format',
        'json',
      ],
      { cwd: repo, encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout) as {
      environments: {
        systems: { name: string; changes: unknown[] }[];
      }[];
    };
    const identity = report.environments[0].systems.find((s) => s.name === 'identity');
    expect(identity?.changes).toEqual([
      {
        kind: 'route.auth',
        category: 'security',
        subject: 'identity/accounts api/v1/signup',
        before: 'none',
        after: 'jwt',
        risk: 'low',
      },
    ]);
  }, 120_000);
});

describe('what syskit diff loads', () => {
  let repo: string;
  beforeAll(() => {
    // The compiled toolkit is what the base's unchanged model must load as.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { freshBuild } = require('../../bin/compiled.js') as {
      freshBuild(root: string): string | undefined;
    };
    if (!freshBuild(ROOT))
      execFileSync(
        process.execPath,
        [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'scripts/build.ts')],
        {
          cwd: ROOT,
          stdio: 'ignore',
        },
      );
    expect(freshBuild(ROOT)).toBeDefined();
    repo = exampleRepository('syskit-diff-loads-');
  }, 180_000);
  afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

  it("reads the base's declarations from its commit, its unchanged model as the compiled toolkit, and no cdk8s with nothing to render", () => {
    const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-probe-')), 'probe.json');
    const run = spawnSync(
      process.execPath,
      [
        '--require',
        path.join(ROOT, 'bench/probe.js'),
        BIN,
        'diff',
        '--systems',
        'charts',
        '--environments',
        'environments',
      ],
      {
        cwd: repo,
        encoding: 'utf8',
        env: { ...process.env, SYSKIT_PROBE_OUT: probe, SYSKIT_FROM_SOURCES: '' },
      },
    );
    const { modules } = JSON.parse(fs.readFileSync(probe, 'utf8')) as { modules: string[] };
    fs.rmSync(path.dirname(probe), { recursive: true, force: true });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('nothing to review');
    const base = modules.filter((m) => m.includes(`${path.sep}syskit-base-`));
    // The declarations come from the commit; the model and the helper environments/ephemeral.ts,
    // the same bytes as the working copy's, are the compiled modules.
    expect(base.map((m) => path.basename(m)).sort()).toEqual([
      'commerce.ts',
      'dev.ts',
      'fulfillment.ts',
      'identity.ts',
      'prod.ts',
      'qa.ts',
      'staging.ts',
    ]);
    expect(modules.filter((m) => m.includes(`${path.sep}model${path.sep}`) && !m.startsWith(ROOT))).toEqual(
      [],
    );
    expect(modules).toContain(path.join(ROOT, 'build/model/index.js'));
    expect(modules.filter((m) => /node_modules\/cdk8s(-plus-28)?\//.test(m))).toEqual([]);
  }, 120_000);
});
