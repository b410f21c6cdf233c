import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeImageArchive } from '../../cluster/images';

/** Read a ustar archive back: name -> content. */
function untar(buf: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (let off = 0; off + 512 <= buf.length;) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, ''), 8);
    const stored = parseInt(
      header
        .subarray(148, 156)
        .toString('utf8')
        .replace(/[\0 ].*$/s, ''),
      8,
    );
    const summed = [...header].reduce((sum, b, i) => sum + (i >= 148 && i < 156 ? 32 : b), 0);
    if (stored !== summed) throw new Error(`bad checksum for ${name}`);
    files.set(name, buf.subarray(off + 512, off + 512 + size));
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return files;
}

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe('writeImageArchive', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-image-test-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const binary = path.join(dir, 'hello');
  fs.writeFileSync(binary, Buffer.from('#!/bin/true\n'.repeat(100)));

  it('writes an OCI layout whose blobs match their digests, named for containerd', () => {
    const file = path.join(dir, 'hello.tar');
    const digest = writeImageArchive({ ref: 'syskit.local/hello:1.0.0', binary }, file);
    const files = untar(fs.readFileSync(file));
    expect(JSON.parse(files.get('oci-layout')!.toString())).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(files.get('index.json')!.toString());
    expect(index.manifests[0].digest).toBe(digest);
    expect(index.manifests[0].annotations).toEqual({
      'io.containerd.image.name': 'syskit.local/hello:1.0.0',
      'org.opencontainers.image.ref.name': '1.0.0',
    });
    for (const [name, content] of files) {
      if (name.startsWith('blobs/sha256/') && content.length > 0)
        expect(sha(content)).toBe(`sha256:${name.slice('blobs/sha256/'.length)}`);
    }
    const manifest = JSON.parse(files.get(`blobs/sha256/${digest.slice(7)}`)!.toString());
    const config = JSON.parse(files.get(`blobs/sha256/${manifest.config.digest.slice(7)}`)!.toString());
    expect(config.config).toEqual({ Entrypoint: ['/hello'], User: '10001:10001', WorkingDir: '/' });
    const layer = untar(files.get(`blobs/sha256/${manifest.layers[0].digest.slice(7)}`)!);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest]);
    expect([...layer.keys()]).toEqual(['tmp/', 'hello']);
    expect(layer.get('hello')).toEqual(fs.readFileSync(binary));
  });

  it('is byte-identical for the same binary', () => {
    const a = path.join(dir, 'a.tar');
    const b = path.join(dir, 'b.tar');
    writeImageArchive({ ref: 'syskit.local/hello:1.0.0', binary }, a);
    writeImageArchive({ ref: 'syskit.local/hello:1.0.0', binary }, b);
    expect(fs.readFileSync(a).equals(fs.readFileSync(b))).toBe(true);
  });
});
