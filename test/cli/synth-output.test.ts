import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { snapshot } from './syskit-process';
import { runCli as run } from './run-in-process';

/** Everything in `dir`, links shown as links (not followed), for "left untouched" checks. */
function listing(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => {
      const p = path.relative(dir, path.join(e.parentPath, e.name));
      if (e.isSymbolicLink()) return `${p} -> ${fs.readlinkSync(path.join(dir, p))}`;
      return e.isFile() ? `${p}: ${fs.readFileSync(path.join(dir, p), 'utf8')}` : `${p}/`;
    })
    .sort();
}

describe('syskit synth: the output folder', () => {
  let tmp: string;
  let reference: Record<string, string>;
  const synthDev = (out: string, ...more: string[]) => run('synth', '--env', 'dev', '--out', out, ...more);

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-out-'));
    expect(await synthDev(path.join(tmp, 'reference'))).toMatchObject({ code: 0, err: '' });
    reference = snapshot(path.join(tmp, 'reference'));
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A folder of its own for one test, with whatever `setup` puts there. */
  const place = (name: string, setup: (dir: string) => void = () => {}) => {
    const dir = fs.mkdtempSync(path.join(tmp, `${name}-`));
    setup(dir);
    return dir;
  };

  it('is a link to one complete generation, whose environment folders hold only manifests and vault/', () => {
    const out = path.join(tmp, 'reference');
    expect(fs.lstatSync(out).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(out)).toMatch(/^\.reference\.syskit\/gen-[0-9a-z]+-\d+-[0-9a-f]+$/);
    expect(fs.lstatSync(path.join(out, 'dev')).isDirectory()).toBe(true);
    expect(fs.readdirSync(path.join(out, 'dev')).sort()).toEqual([
      'commerce.yaml',
      'fulfillment.yaml',
      'identity.yaml',
      'platform.yaml',
      'vault',
    ]);
    expect(Object.keys(reference).filter((f) => !f.startsWith('dev/'))).toEqual([
      '.syskit-cache/dev.json',
      '.syskit-output',
    ]);
  });

  it('fails --out with an empty value as a usage error, writing nothing', async () => {
    const before = listing(tmp);
    expect(await run('synth', '--out', '')).toEqual({
      code: 2,
      out: '',
      err: 'syskit: --out expects a folder to write manifests to, got an empty value; for example --out dist',
    });
    expect(listing(tmp)).toEqual(before);
  });

  it('fails --out naming a file as a usage error, leaving the file and its folder as they were', async () => {
    const dir = place('file', (d) => fs.writeFileSync(path.join(d, 'values.yaml'), 'replicas: 3\n'));
    const before = listing(dir);
    const file = path.join(dir, 'values.yaml');
    expect(await synthDev(file)).toEqual({
      code: 2,
      out: '',
      err: `syskit: --out ${file} is a file, not a folder; choose a folder for the manifests, for example --out dist`,
    });
    expect(await synthDev(path.join(file, 'dist'))).toMatchObject({
      code: 2,
      err: expect.stringContaining('a part of its path is a file, not a folder'),
    });
    expect(listing(dir)).toEqual(before);
  });

  it('refuses a folder that syskit did not write, naming what is in it and how to choose another --out', async () => {
    const out = place('foreign', (d) => {
      fs.writeFileSync(path.join(d, 'notes.md'), 'keep me\n');
      fs.mkdirSync(path.join(d, 'manifests'));
      fs.writeFileSync(path.join(d, 'manifests', 'app.yaml'), 'kind: ConfigMap\n');
    });
    const before = listing(path.dirname(out));
    const result = await synthDev(out);
    expect(result.code).toBe(2);
    expect(result.err).toBe(
      `syskit: refusing to write to ${out}: it holds manifests/, notes.md (a file), which syskit did not write. ` +
        'syskit replaces its output folder as a whole, so it only writes where it wrote before (marked by ' +
        `.syskit-output) or where nothing is yet. Choose another --out (a new or empty folder), or move ${out} away yourself`,
    );
    expect(listing(path.dirname(out))).toEqual(before);
  });

  it('refuses a folder holding a file named like an environment, and leaves the file alone', async () => {
    const out = place('env-file', (d) => fs.writeFileSync(path.join(d, 'dev'), 'my notes on dev\n'));
    const result = await synthDev(out);
    expect(result.code).toBe(2);
    expect(result.err).toContain(
      `refusing to write to ${out}: it holds dev (a file), which syskit did not write`,
    );
    expect(fs.readFileSync(path.join(out, 'dev'), 'utf8')).toBe('my notes on dev\n');
    expect(fs.existsSync(path.join(path.dirname(out), `.${path.basename(out)}.syskit`))).toBe(false);
  });

  it('refuses a link to a folder that is not one of its generations', async () => {
    const target = place('elsewhere', (d) => fs.writeFileSync(path.join(d, 'keep.txt'), 'x'));
    const out = path.join(tmp, 'linked');
    fs.symlinkSync(target, out);
    expect(await synthDev(out)).toMatchObject({
      code: 2,
      err: expect.stringContaining(`it is a link to ${target}, which syskit did not make`),
    });
    expect(listing(target)).toEqual(['keep.txt: x']);
  });

  it('takes over an empty folder and the folder layout of earlier versions, leaving no leftovers', async () => {
    const empty = place('empty');
    expect(await synthDev(empty)).toMatchObject({ code: 0, err: '' });
    expect(snapshot(empty)).toEqual(reference);

    const older = place('older', (d) => {
      for (const env of ['dev', 'prod', '.prod.new-x1Y2z3']) {
        fs.mkdirSync(path.join(d, env));
        fs.writeFileSync(path.join(d, env, '.syskit-cache.json'), '{}');
        fs.writeFileSync(path.join(d, env, 'old.yaml'), `kind: Old # ${env}\n`);
      }
    });
    expect(await synthDev(older)).toMatchObject({ code: 0, err: '' });
    // dev is rendered anew; prod, not selected, is carried over as it was (without the old cache).
    expect(snapshot(older)).toEqual({ ...reference, 'prod/old.yaml': 'kind: Old # prod\n' });
    expect(fs.readdirSync(`${path.dirname(older)}/.${path.basename(older)}.syskit`)).toEqual([
      '.syskit-output',
      path.basename(fs.readlinkSync(older)),
    ]);
  });

  it('renders a damaged cache’s environment again, with a warning naming the file, and repairs it', async () => {
    const out = place('damaged');
    expect((await synthDev(out)).code).toBe(0);
    for (const damage of [
      '{"toolkit": "',
      '[]',
      '{"toolkit":"x","files":{},"objects":{"a":"1"},"outputs":{}}',
    ]) {
      fs.writeFileSync(path.join(out, '.syskit-cache/dev.json'), damage);
      const result = await synthDev(out);
      expect(result.code).toBe(0);
      expect(result.err).toMatch(
        new RegExp(`^syskit: warning: ${out}/\\.syskit-cache/dev\\.json: .+; rendering dev again$`),
      );
      expect(result.out).not.toContain('unchanged');
      expect(snapshot(out)).toEqual(reference);
    }
    // A damaged cache in a run limited to one system: the others are kept, never trusted later.
    fs.writeFileSync(path.join(out, '.syskit-cache/dev.json'), 'not json');
    expect(await synthDev(out, '--system', 'commerce')).toMatchObject({ code: 0 });
    const again = await synthDev(out);
    expect(again.out.split('\n').pop()).toBe('2 rendered, 2 unchanged since the last run');
    expect(snapshot(out)).toEqual(reference);
  });

  it('renders again a manifest edited by hand and a system whose Vault file was deleted or added', async () => {
    const out = place('edited');
    expect((await synthDev(out)).code).toBe(0);
    fs.appendFileSync(path.join(out, 'dev/identity.yaml'), '# hand edit\n');
    const vault = path.join(out, 'dev/vault/commerce');
    const deleted = fs.readdirSync(vault).find((f) => f.endsWith('.hcl'))!;
    fs.rmSync(path.join(vault, deleted));
    fs.writeFileSync(
      path.join(out, 'dev/vault/fulfillment/extra.hcl'),
      'path "kv/*" { capabilities = ["read"] }\n',
    );

    const result = await synthDev(out);
    expect(result.code).toBe(0);
    expect(result.err.split('\n')).toEqual([
      `syskit: warning: ${out}/dev/vault/commerce/${deleted}: deleted outside syskit; rendered again`,
      `syskit: warning: ${out}/dev/vault/fulfillment/extra.hcl: added outside syskit; rendered again`,
      `syskit: warning: ${out}/dev/identity.yaml: changed outside syskit; rendered again`,
    ]);
    expect(result.out.split('\n').pop()).toBe('3 rendered, 1 unchanged since the last run');
    expect(snapshot(out)).toEqual(reference);
    expect((await synthDev(out)).out.split('\n').pop()).toBe('0 rendered, 4 unchanged since the last run');
  });

  it('keeps environments it was not asked for on an --env run, and drops undeclared ones on a full run', async () => {
    const out = place('environments');
    expect((await synthDev(out)).code).toBe(0);
    const onlyProd = path.join(__dirname, '../../environments/prod.ts');
    expect(await run('synth', '--environments', onlyProd, '--env', 'prod', '--out', out)).toMatchObject({
      code: 0,
    });
    expect(fs.readdirSync(out).sort()).toEqual(['.syskit-cache', '.syskit-output', 'dev', 'prod']);
    expect(await run('synth', '--environments', onlyProd, '--out', out)).toMatchObject({ code: 0 });
    expect(fs.readdirSync(out).sort()).toEqual(['.syskit-cache', '.syskit-output', 'prod']);
    expect(fs.readdirSync(path.join(out, '.syskit-cache'))).toEqual(['prod.json']);
  });

  it('takes over the lock of a run that was killed, and fails naming a live holder when it will not wait', async () => {
    const out = place('locked');
    expect((await synthDev(out)).code).toBe(0);
    const before = listing(path.dirname(out));
    const lock = path.join(path.dirname(out), `.${path.basename(out)}.syskit`, 'lock');
    const holder = {
      pid: 4242,
      host: 'build-7',
      started: '2025-01-01T00:00:00.000Z',
      command: 'syskit synth',
    };
    fs.writeFileSync(lock, JSON.stringify(holder));
    expect(await synthDev(out, '--wait', '0')).toEqual({
      code: 3,
      out: '',
      err:
        `syskit: ${out} is locked by syskit synth (pid 4242 on build-7, since 2025-01-01T00:00:00.000Z), still after 0s; ` +
        `wait for that run to finish, or if it is gone (on another machine, say), remove ${lock} and run again`,
    });
    expect(listing(path.dirname(out))).toEqual(
      [...before, `${path.relative(path.dirname(out), lock)}: ${JSON.stringify(holder)}`].sort(),
    );

    fs.writeFileSync(lock, JSON.stringify({ ...holder, host: os.hostname(), pid: 2 ** 22 + 1 }));
    expect(await synthDev(out, '--wait', '0')).toMatchObject({ code: 0, err: '' });
    expect(fs.existsSync(lock)).toBe(false);
  });
});
