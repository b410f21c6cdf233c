import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { podTemplates, restrictedViolations } from '../pod-templates';
import { runCli as run } from './run-in-process';

const INVALID = path.join(__dirname, '../fixtures/invalid-systems.yaml');

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of fs.readdirSync(d).sort()) {
      const p = path.join(d, name);
      if (fs.statSync(p).isDirectory()) walk(p);
      else files[path.relative(dir, p)] = fs.readFileSync(p, 'utf8');
    }
  };
  walk(dir);
  return files;
}

describe('syskit synth', () => {
  let tmp: string;
  let out: string;
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-synth-'));
    out = path.join(tmp, 'dist');
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes every example system for every environment, one summary line each', async () => {
    const result = await run('synth', '--out', out);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(
      result.out
        .split('\n')
        .map((l) => l.split(':')[0])
        .sort(),
    ).toEqual(['dev', 'prod', 'qa', 'staging']);
    for (const env of ['dev', 'qa', 'staging', 'prod']) {
      for (const system of ['commerce', 'fulfillment', 'identity']) {
        expect(fs.existsSync(path.join(out, env, `${system}.yaml`))).toBe(true);
      }
    }
  });

  it('is byte-identical from run to run', async () => {
    const first = snapshot(out);
    const second = path.join(tmp, 'second');
    expect((await run('synth', '--out', second)).code).toBe(0);
    expect(snapshot(second)).toEqual(first);
  });

  it('writes pods that pass Pod Security restricted, in every document of every environment', () => {
    let templates = 0;
    for (const [file, content] of Object.entries(snapshot(out))) {
      if (!file.endsWith('.yaml')) continue;
      const objects = parseAllDocuments(content).map((d) => d.toJSON());
      for (const t of podTemplates(objects)) {
        templates++;
        expect({ file, where: t.where, problems: restrictedViolations(t.spec) }).toEqual({
          file,
          where: t.where,
          problems: [],
        });
      }
    }
    expect(templates).toBeGreaterThan(40);
  });

  it('renders nothing again when nothing changed, and everything with --force', async () => {
    const before = snapshot(out);
    const again = await run('synth', '--out', out);
    expect(again.code).toBe(0);
    expect(again.out.split('\n').pop()).toBe('0 rendered, 16 unchanged since the last run');
    const forced = await run('synth', '--out', out, '--force', '--jobs', '1');
    expect(forced.out).not.toContain('unchanged');
    expect(snapshot(out)).toEqual(before);
    expect(await run('synth', '--out', out, '--jobs', '0')).toMatchObject({
      code: 2,
      err: 'syskit: --jobs expects a whole number of at least 1, got "0"',
    });
  });

  it('renders only the selected system and environment, keeping the others as they were', async () => {
    const before = snapshot(out);
    const marker = path.join(out, 'qa', 'identity.yaml');
    fs.appendFileSync(marker, '# hand edit\n');
    const result = await run('synth', '--out', out, '--env', 'qa', '--system', 'commerce');
    expect(result.code).toBe(0);
    const objects = ['qa/commerce.yaml', 'qa/platform.yaml'].reduce(
      (n, f) => n + before[f].split('\n---\n').length,
      0,
    );
    expect(result.out).toBe(
      `qa: 1 system and the platform, ${objects} objects -> ${out}/qa/\n0 rendered, 2 unchanged since the last run`,
    );
    expect(fs.readFileSync(marker, 'utf8').endsWith('# hand edit\n')).toBe(true);
    fs.writeFileSync(marker, before['qa/identity.yaml']);
    expect(snapshot(out)).toEqual(before);
  });

  it('fails invalid input with exit 1, lists every error with its path, and leaves the output untouched', async () => {
    const before = snapshot(out);
    const result = await run('synth', '--out', out, '--systems', INVALID);
    expect(result.code).toBe(1);
    expect(result.err).toContain('problems found; nothing was written');
    expect(result.err).toContain(
      'commerce.services.orders.calls[1]: unknown service "payment" (did you mean "payments"?)',
    );
    expect(result.err).toContain('commerce.services.payments.port: port must be between 1 and 65535');
    expect(result.err.split('\n').filter((l) => l.startsWith('  ')).length).toBe(13);
    // Hostnames differ per environment, so a route clash is reported once for each.
    expect(result.err.split('\n').filter((l) => l.includes('is already declared by')).length).toBe(4);
    expect(snapshot(out)).toEqual(before);
  });

  it('fails unknown environments and flags with exit 2', async () => {
    expect(await run('synth', '--out', out, '--env', 'prd')).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown environment "prd" (did you mean "prod"?)'),
    });
    expect(await run('synth', '--bogus')).toMatchObject({
      code: 2,
      err: expect.stringContaining("Unknown option '--bogus'"),
    });
    expect(await run('synth', '--systems', 'no/such/file.ts')).toMatchObject({
      code: 2,
      err: 'syskit: no/such/file.ts: no such file or directory',
    });
    expect(await run('launch')).toMatchObject({
      code: 2,
      err: expect.stringContaining('unknown command "launch"'),
    });
  });

  it('prints help for every command', async () => {
    for (const command of ['synth', 'validate']) {
      const result = await run(command, '--help');
      expect(result.code).toBe(0);
      expect(result.out).toContain(`Usage: syskit ${command}`);
    }
    expect((await run('--help')).out).toContain('Commands:');
  });
});

describe('syskit validate', () => {
  it('exits 1 and lists every error for a file with errors', async () => {
    const result = await run('validate', '--systems', INVALID);
    expect(result.code).toBe(1);
    expect(result.err).toContain('commerce.services.orders.env.DB_PASSWORD: looks like a secret');
  });
});

describe('syskit validate with policies (real OPA)', () => {
  const OUTSIDE = path.join(__dirname, '../fixtures/outside-registry.yaml');

  it('passes every example system in every environment', async () => {
    // Rendered, whatever a synth left in dist.
    const result = await run('validate', '--force');
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out.split('\n')).toHaveLength(4);
    for (const line of result.out.split('\n'))
      expect(line).toMatch(/^\w+: 3 systems valid, \d+ objects, 0 policy violations$/);
  }, 120_000);

  it('reports a violation in dev without failing, because dev only audits', async () => {
    const result = await run('validate', '--systems', OUTSIDE, '--env', 'dev');
    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^dev: 1 system valid, \d+ objects, 1 policy violation \(dryrun\)$/);
    expect(result.err).toContain('dev: [allowed-registries] Deployment/reports/builder:');
    expect(result.err).toContain('(dryrun)');
  }, 120_000);

  it('fails with exit 1 when prod would deny, naming rule, environment, object and message', async () => {
    const result = await run('validate', '--systems', OUTSIDE, '--env', 'prod');
    expect(result.code).toBe(1);
    expect(result.err).toContain('prod: [allowed-registries] Deployment/reports/builder:');
    expect(result.err).toContain('docker.io/library/nginx:1.27.3');
    expect(result.err).toContain('(deny)');
  }, 120_000);

  it('prints violations as JSON on request', async () => {
    const result = await run('validate', '--systems', OUTSIDE, '--env', 'prod', '--json');
    expect(result.code).toBe(1);
    const { violations } = JSON.parse(result.out);
    expect(violations.map((v: any) => `${v.rule} ${v.kind}/${v.name}`)).toContain(
      'allowed-registries Deployment/builder',
    );
    for (const v of violations) expect(v).toMatchObject({ environment: 'prod', enforcement: 'deny' });
  }, 120_000);
});

describe('syskit validate --manifests (real OPA)', () => {
  const BAD = path.join(__dirname, '../fixtures/bad-manifests.yaml');

  it('fails on a privileged pod, a latest image, a tag without digest and a missing owner label, naming rule and object', async () => {
    const result = await run('validate', '--manifests', BAD, '--env', 'prod');
    expect(result.code).toBe(1);
    expect(result.out).toBe('prod: manifests, 4 objects, 4 policy violations (deny)');
    expect(result.err.split('\n')).toEqual([
      'prod: [no-privileged-access] Pod/legacy/debug: Pod legacy/debug: container "shell" must not run privileged (deny)',
      'prod: [pinned-images] Deployment/legacy/web: Deployment legacy/web: container "web" image "registry.acme.example/legacy/web:latest" uses the floating tag "latest"; pin it to a version tag (one with a digit, like 7.2.4) or a digest (deny)',
      'prod: [pinned-images] Pod/legacy/debug: Pod legacy/debug: container "shell" image "registry.acme.example/tools/shell:1.0.0" has no digest; this environment requires images pinned by digest (name:tag@sha256:...) (deny)',
      'prod: [required-labels] Service/legacy/web: Service legacy/web must have labels syskit.io/owner (deny)',
    ]);
  }, 120_000);

  it('reports the same violations without failing where the environment only audits', async () => {
    const result = await run('validate', '--manifests', BAD, '--env', 'dev');
    expect(result.code).toBe(0);
    expect(result.out).toBe('dev: manifests, 4 objects, 3 policy violations (dryrun)');
  }, 120_000);
});
