import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { transpiledDeclaration } from '../../synth/transpiled-declarations';

describe('transpiledDeclaration', () => {
  let cache: string;
  const saved = process.env.XDG_CACHE_HOME;
  beforeEach(() => {
    cache = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-decl-cache-'));
    process.env.XDG_CACHE_HOME = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = saved;
    fs.rmSync(cache, { recursive: true, force: true });
  });

  const cached = () => fs.readdirSync(path.join(cache, 'syskit', 'declarations'));

  it('turns TypeScript into CommonJS that runs, and keeps it in the user cache folder', () => {
    const code = transpiledDeclaration(
      '/charts/shop.ts',
      "import { defineSystem } from '../model';\nconst n: number = 2;\nexport default defineSystem({ n });\n",
    );
    const module = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', 'require', code)(module, module.exports, (id: string) => {
      expect(id).toBe('../model');
      return { defineSystem: (x: unknown) => ({ declared: x }) };
    });
    expect(module.exports.default).toEqual({ declared: { n: 2 } });
    expect(cached()).toHaveLength(1);
    expect(fs.statSync(path.join(cache, 'syskit', 'declarations')).mode & 0o777).toBe(0o700);
  });

  it('serves an unchanged file from the cache and transpiles a changed one again', () => {
    const source = 'export const a: number = 1;\n';
    transpiledDeclaration('/charts/a.ts', source);
    const [file] = cached();
    // What is on disk is what is used: a planted result comes back for the same source...
    fs.writeFileSync(path.join(cache, 'syskit', 'declarations', file), 'exports.planted = true;\n');
    expect(transpiledDeclaration('/charts/a.ts', source)).toBe('exports.planted = true;\n');
    // ...but not for another source, nor for the same source at another path.
    expect(transpiledDeclaration('/charts/a.ts', 'export const a: number = 2;\n')).toContain('a = 2');
    expect(transpiledDeclaration('/charts/b.ts', source)).toContain('a = 1');
    expect(cached()).toHaveLength(3);
  });

  it('transpiles on every run when the cache folder cannot be written', () => {
    fs.writeFileSync(path.join(cache, 'syskit'), 'a file where the folder would be');
    expect(transpiledDeclaration('/charts/a.ts', 'export const a: number = 3;\n')).toContain('a = 3');
  });
});
