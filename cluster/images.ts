/**
 * Images without a registry: a static Go binary packed as a one-layer OCI image archive
 * (OCI image layout in a tar, sha256-addressed blobs) that `ctr images import` loads into
 * containerd's `k8s.io` namespace, where the kubelet finds it (`imagePullPolicy: IfNotPresent`
 * never pulls then). Nothing is pulled from anywhere.
 *
 * The local images: the pod sandbox (`pause`), the test service that test fleets run and
 * `syskit verify` probes with, and CoreDNS.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Prefix of every image built here; a test environment allows it as a registry. */
export const LOCAL_REGISTRY = 'syskit.local/';
export const PAUSE_IMAGE = `${LOCAL_REGISTRY}pause:0.1.0`;
export const TEST_SERVICE_IMAGE = `${LOCAL_REGISTRY}test-service:0.1.0`;
export const COREDNS_IMAGE = `${LOCAL_REGISTRY}coredns:1.14.7`;
export const KNP_IMAGE = `${LOCAL_REGISTRY}kube-network-policies:0.8.0`;
/** The UID every local image runs as unless a pod says otherwise. */
export const IMAGE_UID = 10001;

export interface ImageSpec {
  /** Full reference, like `syskit.local/test-service:0.1.0`. */
  readonly ref: string;
  /** The static binary to put at `/<basename>`, the image's entrypoint. */
  readonly binary: string;
}

// ---------------------------------------------------------------------------------------------
// A minimal ustar writer: enough for regular files and directories with fixed owners and times,
// so the same binary always yields the same layer digest.

interface TarEntry {
  readonly name: string;
  readonly mode: number;
  readonly data?: Buffer;
  readonly dir?: boolean;
}

function tarHeader(entry: TarEntry, size: number): Buffer {
  const h = Buffer.alloc(512, 0);
  const put = (offset: number, length: number, value: string) => h.write(value, offset, length, 'utf8');
  const octal = (offset: number, length: number, n: number) =>
    put(offset, length, n.toString(8).padStart(length - 1, '0') + '\0');
  if (Buffer.byteLength(entry.name) > 100) throw new Error(`tar entry name too long: ${entry.name}`);
  put(0, 100, entry.name);
  octal(100, 8, entry.mode);
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, size);
  octal(136, 12, 0); // mtime
  put(148, 8, '        '); // checksum placeholder (spaces) while summing
  put(156, 1, entry.dir ? '5' : '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

export function tar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0);
    parts.push(tarHeader(entry, entry.dir ? 0 : data.length));
    if (!entry.dir && data.length > 0) {
      parts.push(data);
      const pad = (512 - (data.length % 512)) % 512;
      if (pad) parts.push(Buffer.alloc(pad, 0));
    }
  }
  parts.push(Buffer.alloc(1024, 0));
  return Buffer.concat(parts);
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// ---------------------------------------------------------------------------------------------

/** Write `spec` as an OCI image archive to `file` and return its manifest digest. */
export function writeImageArchive(spec: ImageSpec, file: string): string {
  const entrypoint = `/${path.basename(spec.binary)}`;
  const layer = tar([
    { name: 'tmp/', mode: 0o1777, dir: true },
    { name: entrypoint.slice(1), mode: 0o755, data: fs.readFileSync(spec.binary) },
  ]);
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Entrypoint: [entrypoint], User: `${IMAGE_UID}:${IMAGE_UID}`, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${layerDigest}`] },
      history: [{ created_by: `syskit: ${path.basename(spec.binary)}` }],
    }),
  );
  const configDigest = sha256(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: `sha256:${configDigest}`,
        size: config.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.v1.tar',
          digest: `sha256:${layerDigest}`,
          size: layer.length,
        },
      ],
    }),
  );
  const manifestDigest = sha256(manifest);
  const tag = spec.ref.slice(spec.ref.lastIndexOf(':') + 1);
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${manifestDigest}`,
          size: manifest.length,
          platform: { architecture: 'amd64', os: 'linux' },
          // containerd names the imported image after the first; other tools read the second.
          annotations: { 'io.containerd.image.name': spec.ref, 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
  const archive = tar([
    { name: 'oci-layout', mode: 0o644, data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: 'index.json', mode: 0o644, data: index },
    { name: 'blobs/', mode: 0o755, dir: true },
    { name: 'blobs/sha256/', mode: 0o755, dir: true },
    { name: `blobs/sha256/${configDigest}`, mode: 0o644, data: config },
    { name: `blobs/sha256/${layerDigest}`, mode: 0o644, data: layer },
    { name: `blobs/sha256/${manifestDigest}`, mode: 0o644, data: manifest },
  ]);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, archive);
  return `sha256:${manifestDigest}`;
}
