import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from '../../synth/errors';
import { OutputFolder, OUTPUT_MARKER } from '../../synth/output';

/**
 * The output folder's states between runs, built by hand where a real run would have to be
 * killed at one exact instruction to leave them.
 */
describe('OutputFolder', () => {
  let tmp: string;
  let out: string;
  let state: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-folder-'));
    out = path.join(tmp, 'dist');
    state = path.join(tmp, '.dist.syskit');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => {
    const folder = OutputFolder.open(out);
    try {
      folder.commit(new Map(Object.entries(files)));
    } finally {
      folder.release();
    }
  };
  const read = (file: string) => fs.readFileSync(path.join(out, file), 'utf8');
  const generations = () => fs.readdirSync(state).filter((e) => e.startsWith('gen-'));

  it('replaces the whole output with each commit and keeps only the current generation', () => {
    write({ 'dev/a.yaml': 'a1', 'prod/a.yaml': 'a1' });
    write({ 'dev/a.yaml': 'a2' });
    expect(fs.readdirSync(out).sort()).toEqual([OUTPUT_MARKER, 'dev']);
    expect(read('dev/a.yaml')).toBe('a2');
    expect(generations()).toEqual([path.basename(fs.readlinkSync(out))]);
    expect(fs.readdirSync(state).sort()).toEqual([OUTPUT_MARKER, generations()[0]]);
  });

  it('keeps the previous output whole when writing the next one fails, and removes the partial one', () => {
    write({ 'dev/a.yaml': 'a1' });
    const before = fs.readlinkSync(out);
    const folder = OutputFolder.open(out);
    try {
      expect(() =>
        folder.commit(new Map([['dev/a.yaml', { link: path.join(tmp, 'no-such-file') }]])),
      ).toThrow(/ENOENT/);
    } finally {
      folder.release();
    }
    expect(fs.readlinkSync(out)).toBe(before);
    expect(read('dev/a.yaml')).toBe('a1');
    expect(generations()).toEqual([path.basename(before)]);
  });

  it('finishes a swap that was killed after the old folder was moved away and before the link took its place', () => {
    write({ 'dev/a.yaml': 'a1' });
    // What the first run over a plain folder leaves when killed between its two renames.
    const prepared = fs.readlinkSync(out);
    fs.renameSync(out, path.join(state, 'next'));
    const folder = OutputFolder.open(out);
    try {
      expect(fs.readlinkSync(out)).toBe(prepared);
      expect(folder.current).toBe(path.join(tmp, prepared));
    } finally {
      folder.release();
    }
    expect(read('dev/a.yaml')).toBe('a1');
  });

  it('removes what interrupted runs left, and nothing it did not make', () => {
    write({ 'dev/a.yaml': 'a1' });
    const current = path.basename(fs.readlinkSync(out));
    const leftovers = ['gen-zz1-1-abcdef', 'retired-zz2'];
    for (const dir of leftovers) fs.mkdirSync(path.join(state, dir, 'dev'), { recursive: true });
    fs.symlinkSync('.dist.syskit/gen-zz1-1-abcdef', path.join(state, 'next'));
    fs.writeFileSync(path.join(state, `lock.${2 ** 22 + 1}.0a0b.tmp`), '{}');
    fs.writeFileSync(path.join(state, 'notes.txt'), 'mine');
    OutputFolder.open(out).release();
    expect(fs.readdirSync(state).sort()).toEqual([OUTPUT_MARKER, current, 'notes.txt']);
    expect(read('dev/a.yaml')).toBe('a1');
  });

  it('refuses a state folder that is not its own, before locking or writing anything', () => {
    fs.mkdirSync(state);
    fs.writeFileSync(path.join(state, 'photo.jpg'), 'x');
    expect(() => OutputFolder.open(out)).toThrow(UsageError);
    expect(() => OutputFolder.open(out)).toThrow(
      `refusing to write to ${out}: ${state} is where syskit keeps its output, but it is not syskit's ` +
        `(no ${OUTPUT_MARKER} marker). Choose another --out, or move it away yourself`,
    );
    expect(fs.readdirSync(state)).toEqual(['photo.jpg']);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('treats a plain folder carrying its marker (a copy of its output) as its own', () => {
    fs.mkdirSync(path.join(out, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(out, OUTPUT_MARKER), 'copied');
    fs.writeFileSync(path.join(out, 'dev/a.yaml'), 'a0');
    const folder = OutputFolder.open(out);
    try {
      expect(folder.current).toBe(out);
      folder.commit(new Map([['dev/a.yaml', { link: path.join(out, 'dev/a.yaml') }]]));
    } finally {
      folder.release();
    }
    expect(fs.lstatSync(out).isSymbolicLink()).toBe(true);
    expect(read('dev/a.yaml')).toBe('a0');
    expect(fs.readdirSync(state).sort()).toEqual([OUTPUT_MARKER, ...generations()]);
  });
});
