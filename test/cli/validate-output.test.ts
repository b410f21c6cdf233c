import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli as run } from './run-in-process';

/** Valid declarations whose image comes from a registry prod denies. */
const OUTSIDE = path.join(__dirname, '../fixtures/outside-registry.yaml');
const READ_LINE = /^\d+ of \d+ files read from .* \(unchanged since synth\)$/;

describe('syskit validate after synth (real OPA)', () => {
  let tmp: string;
  let out: string;
  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-validate-out-'));
    out = path.join(tmp, 'dist');
    const synth = await run('synth', '--systems', OUTSIDE, '--out', out, '--quiet');
    expect({ code: synth.code, err: synth.err }).toEqual({ code: 0, err: '' });
  }, 120_000);
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('reads the files synth wrote and finds the same violations and exit code as --force', async () => {
    const read = await run('validate', '--systems', OUTSIDE, '--env', 'prod', '--out', out);
    const rendered = await run('validate', '--systems', OUTSIDE, '--env', 'prod', '--out', out, '--force');
    expect(read.code).toBe(1);
    expect(read.err).toContain('prod: [allowed-registries] Deployment/reports/builder:');
    expect({ code: read.code, err: read.err }).toEqual({ code: rendered.code, err: rendered.err });
    const lines = read.out.split('\n');
    expect(lines).toContain(`2 of 2 files read from ${out} (unchanged since synth)`);
    expect(lines.filter((l) => !READ_LINE.test(l))).toEqual(rendered.out.split('\n'));
    expect(rendered.out).not.toMatch(/files read from/);

    const json = (...extra: string[]) =>
      run('validate', '--systems', OUTSIDE, '--out', out, '--json', ...extra).then((r) => ({
        code: r.code,
        report: JSON.parse(r.out),
      }));
    const [readJson, renderedJson] = [await json(), await json('--force')];
    expect(readJson.report.violations.length).toBeGreaterThan(0);
    expect(readJson).toEqual(renderedJson);
  }, 120_000);

  it('does not trust a file edited by hand: the edit cannot hide a violation', async () => {
    const file = path.join(out, 'prod', 'reports.yaml');
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('image: docker.io/library/nginx:');
    // What prod allows, so the violation would be gone if this file were read.
    fs.writeFileSync(
      file,
      text.replaceAll('docker.io/library/nginx:', 'registry.acme.example/reports/nginx:'),
    );
    const result = await run('validate', '--systems', OUTSIDE, '--env', 'prod', '--out', out);
    expect(result.code).toBe(1);
    expect(result.err.split('\n')).toContain(
      `syskit: warning: ${out}/prod/reports.yaml: changed outside syskit; rendered instead`,
    );
    expect(result.err).toContain('prod: [allowed-registries] Deployment/reports/builder:');
    expect(result.err).toContain('docker.io/library/nginx:1.27.3');
    expect(result.out.split('\n')).toContain(`1 of 2 files read from ${out} (unchanged since synth)`);
  }, 120_000);

  it('renders every file when the output folder was written for other declarations', async () => {
    const result = await run('validate', '--env', 'prod', '--out', out);
    expect(result.code).toBe(0);
    // The platform file lists every system's hostnames: it differs too.
    expect(result.out).not.toMatch(/files read from/);
  }, 120_000);

  it('fails with a usage error when --force or --out is given with --manifests', async () => {
    const manifests = path.join(__dirname, '../fixtures/bad-manifests.yaml');
    for (const flag of [['--force'], ['--out', out]]) {
      const result = await run('validate', '--manifests', manifests, ...flag);
      expect(result.code).toBe(2);
      expect(result.err).toContain(`${flag[0]} is about synth's output; --manifests checks the given files`);
    }
  });
});
