import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Environment } from '../model';
import type { RenderedFile } from '../synth/engine';

/**
 * What a cdk8s app writes to the folder `cdk8s synth` names in CDK8S_OUTDIR: one
 * `<chart>.k8s.yaml` per chart, here one per environment (its platform, then its systems).
 * `cdk8s synth --stdout` prints every such file at once, so it needs a single environment.
 */
export function writeCdk8sManifests(
  outdir: string,
  rendered: readonly { env: Environment; files: readonly RenderedFile[] }[],
): void {
  fs.mkdirSync(outdir, { recursive: true });
  for (const { env, files } of rendered) {
    const documents = files.map((f) => f.content.replace(/\n*$/, '\n')).filter((c) => c.trim() !== '');
    fs.writeFileSync(path.join(outdir, `${env.name}.k8s.yaml`), documents.join('---\n'));
  }
}
