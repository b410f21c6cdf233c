import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * What the CLI loads, traced in a child process (bench/probe.js lists `require.cache` at exit):
 * help must not pay for cdk8s, zod, yaml or Pulumi, and each command loads only what it uses.
 * Both ways the CLI runs are checked: the compiled build and the sources through tsx.
 */
const ROOT = path.resolve(__dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { freshBuild, sourceState, BUILD_DIR, MANIFEST } = require('../../bin/compiled.js') as {
  freshBuild(root: string): string | undefined;
  sourceState(root: string, files: string[]): Record<string, [number, number]>;
  BUILD_DIR: string;
  MANIFEST: string;
};

type Mode = 'build' | 'sources';

interface Run {
  code: number | null;
  out: string;
  err: string;
  modules: string[];
}

function cli(mode: Mode, ...args: string[]): Run {
  return cliWith({}, mode, ...args);
}

function cliWith(extraEnv: NodeJS.ProcessEnv, mode: Mode, ...args: string[]): Run {
  const probe = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-probe-')), 'probe.json');
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv, SYSKIT_PROBE_OUT: probe };
  if (mode === 'sources') env.SYSKIT_FROM_SOURCES = '1';
  else delete env.SYSKIT_FROM_SOURCES;
  const result = spawnSync(
    process.execPath,
    ['--require', path.join(ROOT, 'bench/probe.js'), path.join(ROOT, 'bin/syskit.js'), ...args],
    { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const { modules } = JSON.parse(fs.readFileSync(probe, 'utf8')) as { modules: string[] };
  fs.rmSync(path.dirname(probe), { recursive: true, force: true });
  return { code: result.status, out: result.stdout, err: result.stderr, modules };
}

/** The packages (and our own folders) among the loaded modules, like `cdk8s`, `@pulumi/pulumi`, `build/model`. */
function loaded(modules: readonly string[]): Set<string> {
  const names = new Set<string>();
  for (const file of modules) {
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (pkg) names.add(pkg[1]);
    else if (file.startsWith(`${ROOT}${path.sep}`)) {
      const [first, second] = path.relative(ROOT, file).split(path.sep);
      names.add(first === BUILD_DIR ? `${first}/${second}` : first);
    }
  }
  return names;
}

/** A module of the generated CRD bindings (constructs/imports/, megabytes of code), built or not. */
const isBinding = (file: string): boolean =>
  file.includes(`${path.sep}constructs${path.sep}imports${path.sep}`);

const HEAVY = ['cdk8s', 'cdk8s-plus-28', 'constructs', 'zod', 'yaml', '@pulumi/pulumi', '@pulumi/kubernetes'];

beforeAll(() => {
  // The compiled mode needs a build that matches the sources; make one if there is none.
  if (!freshBuild(ROOT)) {
    execFileSync(process.execPath, [path.join(ROOT, 'bin/run-ts.js'), path.join(ROOT, 'scripts/build.ts')], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  }
  expect(freshBuild(ROOT)).toBe(path.join(ROOT, BUILD_DIR));
}, 180_000);

describe.each<Mode>(['build', 'sources'])('the CLI run from the %s', (mode) => {
  const commands = () => {
    const help = cli(mode, '--help');
    expect(help.code).toBe(0);
    const section = help.out.split('Commands:\n')[1].split('\n\n')[0];
    return section.split('\n').map((line) => line.trim().split(/\s+/)[0]);
  };

  it('prints help without loading cdk8s, zod, yaml, Pulumi or the CRD bindings', () => {
    const { modules } = cli(mode, '--help');
    const names = loaded(modules);
    for (const heavy of HEAVY) expect({ heavy, loaded: names.has(heavy) }).toEqual({ heavy, loaded: false });
    expect(modules.filter(isBinding)).toEqual([]);
  });

  it("prints every command's help without loading cdk8s, zod, yaml or Pulumi", () => {
    const all = commands();
    expect(all).toEqual(expect.arrayContaining(['synth', 'validate', 'graph', 'up', 'env', 'cluster']));
    for (const command of all) {
      const run = cli(mode, command, '--help');
      expect({ command, code: run.code }).toEqual({ command, code: 0 });
      expect(run.out).toContain(`syskit ${command}`);
      const names = loaded(run.modules);
      for (const heavy of HEAVY)
        expect({ command, heavy, loaded: names.has(heavy) }).toEqual({ command, heavy, loaded: false });
      expect({ command, bindings: run.modules.filter(isBinding) }).toEqual({ command, bindings: [] });
    }
  }, 120_000);

  it('loads zod but neither cdk8s nor Pulumi for graph', () => {
    const run = cli(mode, 'graph', '--env', 'dev', '--format', 'json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out).services).toContain('commerce/orders');
    const names = loaded(run.modules);
    expect(names.has('zod')).toBe(true);
    expect(names.has('cdk8s')).toBe(false);
    expect(names.has('@pulumi/pulumi')).toBe(false);
  }, 60_000);

  it("validates from synth's fresh output without loading cdk8s, and renders with it for --force", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-validate-trace-'));
    try {
      const out = path.join(dir, 'dist');
      const synth = cli(mode, 'synth', '--quiet', '--out', out);
      expect({ code: synth.code, err: synth.err }).toEqual({ code: 0, err: '' });
      const read = cli(mode, 'validate', '--out', out);
      expect({ code: read.code, err: read.err }).toEqual({ code: 0, err: '' });
      expect(read.out).toContain(`16 of 16 files read from ${out} (unchanged since synth)`);
      const names = loaded(read.modules);
      for (const heavy of ['cdk8s', 'cdk8s-plus-28'])
        expect({ heavy, loaded: names.has(heavy) }).toEqual({ heavy, loaded: false });
      expect(read.modules.filter(isBinding)).toEqual([]);
      const forced = cli(mode, 'validate', '--out', out, '--force');
      expect(forced.code).toBe(0);
      expect(forced.out).not.toContain('files read from');
      expect(loaded(forced.modules).has('cdk8s')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('loads Pulumi for up, where it is needed', () => {
    const run = cli(mode, 'up', '--env', 'nosuch');
    expect(run.err).toContain('unknown environment "nosuch"');
    expect(run.code).toBe(2);
    expect(loaded(run.modules).has('@pulumi/pulumi')).toBe(true);
  }, 120_000);
});

describe('the compiled build', () => {
  it('runs the toolkit from build/ and loads .ts declarations against the same compiled model', () => {
    const names = loaded(cli('build', 'graph', '--env', 'dev').modules);
    expect(names.has('build/model')).toBe(true);
    expect(names.has('charts')).toBe(true);
    // The sources of model/ would be a second copy of the schemas beside the compiled one.
    expect(names.has('model')).toBe(false);
  }, 60_000);

  it('loads unchanged .ts declarations transpiled by an earlier run, without esbuild or tsx', () => {
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-cache-'));
    // A declaration of its own, beside the examples, that imports a helper as `./x.js`.
    const dir = fs.mkdtempSync(path.join(ROOT, '.test-declarations-'));
    try {
      const example = fs.readFileSync(path.join(ROOT, 'charts/identity.ts'), 'utf8');
      fs.writeFileSync(path.join(dir, '_owner.ts'), "export const owner: string = 'identity-team';\n");
      fs.writeFileSync(
        path.join(dir, 'identity.ts'),
        example
          .replace("from '../model';", "from '../model';\nimport { owner } from './_owner.js';")
          .replace("owner: 'identity-team',", 'owner,'),
      );
      const env = { XDG_CACHE_HOME: cache };
      const graph = (): Run =>
        cliWith(env, 'build', 'graph', '--env', 'dev', '--format', 'json', '--systems', dir);
      const first = graph();
      expect({ code: first.code, err: first.err }).toEqual({ code: 0, err: '' });
      expect(JSON.parse(first.out).services).toContain('identity/accounts');
      expect(loaded(first.modules).has('esbuild')).toBe(true);
      const second = graph();
      expect(second.out).toBe(first.out);
      const names = loaded(second.modules);
      expect({ esbuild: names.has('esbuild'), tsx: names.has('tsx') }).toEqual({
        esbuild: false,
        tsx: false,
      });
      expect(fs.readdirSync(path.join(cache, 'syskit', 'declarations')).length).toBeGreaterThanOrEqual(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);

  it('writes the same files as the sources', () => {
    const dirs = { build: '', sources: '' };
    try {
      for (const mode of ['build', 'sources'] as const) {
        dirs[mode] = fs.mkdtempSync(path.join(os.tmpdir(), `syskit-${mode}-`));
        const run = cli(mode, 'synth', '--force', '--quiet', '--out', dirs[mode]);
        expect({ mode, code: run.code, err: run.err }).toEqual({ mode, code: 0, err: '' });
      }
      const files = (dir: string) =>
        Object.fromEntries(
          (fs.readdirSync(dir, { recursive: true }) as string[])
            .filter((f) => fs.statSync(path.join(dir, f)).isFile())
            .sort()
            .map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]),
        );
      const built = files(dirs.build);
      expect(Object.keys(built)).toContain(path.join('prod', 'commerce.yaml'));
      expect(built).toEqual(files(dirs.sources));
    } finally {
      for (const dir of Object.values(dirs)) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('freshBuild', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-fresh-'));
    fs.mkdirSync(path.join(root, 'model'));
    fs.writeFileSync(path.join(root, 'model/a.ts'), 'export const a = 1;\n');
    fs.mkdirSync(path.join(root, BUILD_DIR));
    fs.writeFileSync(
      path.join(root, BUILD_DIR, MANIFEST),
      JSON.stringify({ sources: sourceState(root, ['model/a.ts']) }),
    );
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('uses a build made from the sources on disk', () => {
    expect(freshBuild(root)).toBe(path.join(root, BUILD_DIR));
  });

  it('falls back to the sources when one was edited since the build', () => {
    fs.writeFileSync(path.join(root, 'model/a.ts'), 'export const a = 2;\n');
    expect(freshBuild(root)).toBeUndefined();
  });

  it('falls back when only the modification time changed (a checkout)', () => {
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(path.join(root, 'model/a.ts'), later, later);
    expect(freshBuild(root)).toBeUndefined();
  });

  it('falls back when a source was deleted or there is no build', () => {
    fs.rmSync(path.join(root, 'model/a.ts'));
    expect(freshBuild(root)).toBeUndefined();
    fs.rmSync(path.join(root, BUILD_DIR), { recursive: true });
    expect(freshBuild(root)).toBeUndefined();
  });
});
