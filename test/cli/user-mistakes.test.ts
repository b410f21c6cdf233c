import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runCli as run } from './run-in-process';

/**
 * Every user mistake gets exit 1 (invalid declarations) or 2 (usage), names the file or flag,
 * and shows no stack trace; exit 3 is left for failures outside the input.
 */

const STACK = /^\s+at .+:\d+:\d+\)?$/m;

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-mistakes-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

const SYSTEM = {
  name: 'shop',
  owner: 'shop-team',
  description: 'A shop',
  services: { web: { image: `registry.acme.example/shop/web:1.0.0@sha256:${'a'.repeat(64)}`, port: 8080 } },
};

describe('declaration files that cannot be loaded', () => {
  it.each([
    ['throws', 'throw new Error("boom in declaration");\nexport default {};\n', 'boom in declaration'],
    [
      'imports a missing module',
      'import x from "./nope";\nexport default x;\n',
      "Cannot find module './nope'",
    ],
  ])(
    'exits 1 naming the file when a .ts declaration %s, without a stack trace',
    async (_what, source, says) => {
      const file = write('broken.ts', source);
      const result = await run('validate', '--systems', file, '--env', 'dev');
      expect(result.code).toBe(1);
      expect(result.err).toContain(`${file}: could not be loaded: `);
      expect(result.err).toContain(says);
      expect(result.err).not.toMatch(STACK);
    },
  );

  it('shows the stack with SYSKIT_DEBUG=1', async () => {
    const file = write('broken.ts', 'throw new Error("boom in declaration");\nexport default {};\n');
    process.env.SYSKIT_DEBUG = '1';
    try {
      const result = await run('validate', '--systems', file, '--env', 'dev');
      expect(result.code).toBe(1);
      expect(result.err).toMatch(STACK);
    } finally {
      delete process.env.SYSKIT_DEBUG;
    }
  });

  it('fails a module without a default export, a .YAML file and an empty folder instead of skipping them', async () => {
    write('charts/named.ts', `export const shop = ${JSON.stringify(SYSTEM)};\n`);
    write('charts/other.YAML', '- name: other\n');
    write('charts/helpers.ts', 'export function image(name: string) { return name; }\n');
    write('charts/_draft.ts', 'export const unused = 1;\n');
    const result = await run('validate', '--systems', path.join(dir, 'charts'), '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err.split('\n').slice(1)).toEqual([
      `  ${dir}/charts/named.ts: has no default export (it exports shop); write "export default", or start the file name with "_" for a helper module`,
      `  ${dir}/charts/other.YAML: extensions are case-sensitive; rename it to "other.yaml" to load it, or start its name with "_" to leave it out`,
    ]);

    fs.mkdirSync(path.join(dir, 'empty'));
    const empty = await run('synth', '--systems', path.join(dir, 'empty'), '--out', path.join(dir, 'dist'));
    expect(empty).toMatchObject({ code: 1 });
    expect(empty.err).toContain(`${dir}/empty: no declarations in this folder`);
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
  });

  it('parses .json as JSON: a trailing comma is an error with its line and column', async () => {
    const file = write('shop.json', JSON.stringify(SYSTEM, null, 2).replace('"A shop"', '"A shop",'));
    const result = await run('validate', '--systems', file, '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`${file}: not valid JSON: .* at line 4, column \\d+`));
    const empty = write('empty.yaml', '');
    expect((await run('validate', '--systems', empty, '--env', 'dev')).err).toContain(
      `${empty}: declares nothing; expected a declaration or a list of them`,
    );
  });

  it('refuses a declaration file over the size limit before parsing it', async () => {
    const lines = ['name: huge', 'owner: t', 'description: d', 'services: {}', 'topics:'];
    for (let i = 0, size = 0; size < 0.6 * 1024 * 1024; i++) {
      lines.push(`  t${i}: { partitions: 3 }`);
      size += lines[lines.length - 1].length + 1;
    }
    const file = write('huge.yaml', lines.join('\n'));
    const started = Date.now();
    const result = await run('validate', '--systems', file, '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/huge\.yaml: 6\d\d\.\d KiB is over the 512 KiB a declaration file may have/);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('refuses duplicate keys in YAML, which would otherwise override each other', async () => {
    const file = write('shop.yaml', 'name: shop\nowner: a\nowner: b\n');
    const result = await run('validate', '--systems', file, '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `${file}: not valid YAML: key "owner" appears twice in one mapping at line 3`,
    );
  });

  it('refuses a description over 4 KiB, which would become an annotation', async () => {
    const file = write('shop.json', JSON.stringify({ ...SYSTEM, description: 'x'.repeat(5000) }));
    const result = await run('validate', '--systems', file, '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      'shop.description: 5000 bytes is over the 4 KiB a description may have (it becomes an annotation)',
    );
  });
});

describe('command lines that are not understood', () => {
  it('fails `synth prod` instead of synthesizing every environment', async () => {
    expect(await run('synth', 'prod', '--out', path.join(dir, 'dist'))).toEqual({
      code: 2,
      out: '',
      err: 'syskit: unexpected argument "prod"; environments are chosen with --env prod',
    });
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false);
    expect((await run('validate', 'charts')).code).toBe(2);
    expect(await run('env', 'up', 'pr-1', 'extra')).toMatchObject({
      code: 2,
      err: 'syskit: unexpected argument "extra"',
    });
  });

  it('fails `graph --env prod --env dev`: graph draws one environment', async () => {
    expect(await run('graph', '--env', 'prod', '--env', 'dev')).toEqual({
      code: 2,
      out: '',
      err: 'syskit: --env takes one value, got "prod" and "dev"; give it once',
    });
    expect((await run('validate', '--systems', 'charts', '--systems', 'other')).code).toBe(2);
  });
});

describe('validate --json', () => {
  it('prints declaration problems on stdout', async () => {
    const file = write('shop.json', JSON.stringify({ ...SYSTEM, name: 'platform' }));
    const result = await run('validate', '--systems', file, '--env', 'dev', '--json');
    expect(result.code).toBe(1);
    expect(JSON.parse(result.out)).toEqual({
      problems: [
        {
          path: 'platform.name',
          message:
            '"platform" names the environment\'s platform objects (dist/<env>/platform.yaml: gateway, issuers, policies); choose another system name',
        },
      ],
      violations: [],
      templates: [],
    });
    const usage = await run('validate', '--env', 'nowhere', '--json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out).problems[0].message).toContain('unknown environment "nowhere"');
  });
});

describe('validate --manifests on manifests that cannot be checked', () => {
  it('fails broken YAML with exit 1 and the file and document', async () => {
    const file = write(
      'broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: [unclosed\n',
    );
    const result = await run('validate', '--manifests', file, '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err).toContain(`${file}#2: not valid YAML:`);
    expect(result.err).not.toMatch(STACK);
  });

  it('fails the same object twice and an object without a kind, naming both places', async () => {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: shop\n';
    const file = write('dup.yaml', `${cm}---\n${cm}---\napiVersion: v1\nmetadata:\n  name: b\n`);
    const result = await run('validate', '--manifests', file, '--env', 'dev');
    expect(result.code).toBe(1);
    expect(result.err.split('\n').slice(1)).toEqual([
      `  ${file}#2: v1 ConfigMap shop/a is also at ${file}#1; one would overwrite the other on apply`,
      `  ${file}#3: missing kind`,
    ]);
  });
});

describe('the syskit binary', () => {
  const BIN = path.join(__dirname, '../../bin/syskit.js');

  const exec = (...args: string[]) =>
    promisify(execFile)('node', [BIN, ...args]).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );

  it('names a .ts declaration with a syntax error, with the line and column, and exits 1', async () => {
    const file = write('broken.ts', 'export default { name: "x",, };\n');
    const result = await exec('validate', '--systems', file, '--env', 'dev');
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 1,
      stderr: `syskit: 1 problem found; nothing was written\n  ${file}: could not be loaded: Transform failed with 1 error: ${file}:1:27: ERROR: Expected identifier but found ","\n`,
    });
  }, 60_000);

  it('loads its commands and answers a usage error with exit 2 and one line', async () => {
    const result = await exec('synth', 'prod');
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 2,
      stderr: 'syskit: unexpected argument "prod"; environments are chosen with --env prod\n',
    });
  }, 60_000);
});
