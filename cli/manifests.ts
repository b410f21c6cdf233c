import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ValidationError, type Issue } from '../model/issues';
import { LoadError } from '../synth/errors';

/** Manifests are whole environments, not declarations: a larger bound, still before parsing. */
export const MAX_MANIFEST_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Kubernetes YAML from a file or every .yaml/.yml/.json file of a directory, for `validate
 * --manifests`. Empty documents are left out; a document that is not valid YAML, an object
 * without apiVersion, kind or metadata.name, and the same object twice (one would overwrite
 * the other on apply) are reported together, each at `<file>#<document>`.
 */
export function readManifests(target: string): Record<string, unknown>[] {
  if (!fs.existsSync(target)) throw new LoadError(`${target}: no such file or directory`);
  const files = fs.statSync(target).isDirectory()
    ? fs
        .readdirSync(target)
        .filter((f) => /\.(ya?ml|json)$/.test(f))
        .sort()
        .map((f) => path.join(target, f))
    : [target];
  if (files.length === 0) throw new LoadError(`${target}: no .yaml, .yml or .json files in this folder`);
  const issues: Issue[] = [];
  const objects: Record<string, unknown>[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const size = fs.statSync(file).size;
    if (size > MAX_MANIFEST_FILE_BYTES) {
      issues.push({
        path: file,
        message: `${size} bytes is over the ${MAX_MANIFEST_FILE_BYTES} a manifest file may have`,
      });
      continue;
    }
    parseAllDocuments(fs.readFileSync(file, 'utf8')).forEach((doc, i) => {
      const at = `${file}#${i + 1}`;
      if (doc.errors.length > 0) {
        issues.push({ path: at, message: `not valid YAML: ${doc.errors[0].message.split('\n')[0]}` });
        return;
      }
      const obj = doc.toJSON() as unknown;
      if (obj === null || obj === undefined) return;
      if (typeof obj !== 'object' || Array.isArray(obj)) {
        issues.push({
          path: at,
          message: 'expected a Kubernetes object (a mapping with apiVersion, kind and metadata)',
        });
        return;
      }
      const o = obj as Record<string, unknown>;
      const metadata = (o.metadata ?? {}) as { name?: unknown; namespace?: unknown };
      const missing = [
        typeof o.apiVersion === 'string' ? undefined : 'apiVersion',
        typeof o.kind === 'string' ? undefined : 'kind',
        typeof metadata.name === 'string' ? undefined : 'metadata.name',
      ].filter((m) => m !== undefined);
      if (missing.length > 0) {
        issues.push({ path: at, message: `missing ${missing.join(', ')}` });
        return;
      }
      const namespace =
        typeof metadata.namespace === 'string' && metadata.namespace !== '' ? `${metadata.namespace}/` : '';
      const id = `${String(o.apiVersion)} ${String(o.kind)} ${namespace}${String(metadata.name)}`;
      const first = seen.get(id);
      if (first !== undefined) {
        issues.push({
          path: at,
          message: `${id} is also at ${first}; one would overwrite the other on apply`,
        });
        return;
      }
      seen.set(id, at);
      objects.push(o);
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);
  return objects;
}
