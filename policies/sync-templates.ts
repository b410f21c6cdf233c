/**
 * Copies each rule's src.rego, and the lib modules it imports, into its template.yaml, so the Rego
 * Gatekeeper runs is the Rego `opa test` tested. Upstream gatekeeper-library generates its templates
 * the same way.
 *
 *   node bin/run-ts.js policies/sync-templates.ts           rewrite the templates that differ
 *   node bin/run-ts.js policies/sync-templates.ts --check   list them and exit 1, change nothing
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMap, isSeq, parseDocument, Scalar } from 'yaml';
import { defaultPoliciesDir, expectedSources } from './catalog';

/** Rewrites (or with `check`, only lists) the templates whose Rego differs from their sources. */
export function syncTemplates(dir: string = defaultPoliciesDir(), check = false): string[] {
  const stale: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name, 'template.yaml');
    if (!entry.isDirectory() || !fs.existsSync(file)) continue;
    const before = fs.readFileSync(file, 'utf8');
    const after = renderTemplate(before, expectedSources(path.join(dir, entry.name)));
    if (after === before) continue;
    stale.push(entry.name);
    if (!check) fs.writeFileSync(file, after);
  }
  return stale.sort();
}

/** The template text with its Rego source block set to `sources`, everything else kept as written. */
export function renderTemplate(text: string, sources: { rego: string; libs: string[] }): string {
  const doc = parseDocument(text);
  const code = doc.getIn(['spec', 'targets', 0, 'code']);
  if (!isSeq(code)) throw new Error('template.yaml: expected spec.targets[0].code');
  const index = code.items.findIndex((item) => isMap(item) && item.get('engine') === 'Rego');
  if (index < 0) throw new Error('template.yaml: expected a code entry with engine: Rego');
  const block = (value: string): Scalar => {
    const scalar = doc.createNode(value) as Scalar;
    scalar.type = Scalar.BLOCK_LITERAL;
    return scalar;
  };
  const source = ['spec', 'targets', 0, 'code', index, 'source'];
  doc.setIn([...source, 'version'], 'v1');
  doc.setIn([...source, 'rego'], block(sources.rego));
  if (sources.libs.length > 0) {
    doc.setIn([...source, 'libs'], doc.createNode(sources.libs.map(block)));
  } else {
    doc.deleteIn([...source, 'libs']);
  }
  return doc.toString({ lineWidth: 0 });
}

// Run directly, or through bin/run-ts.js (which requires the entry point, so require.main is not it).
if (require.main === module || path.resolve(process.argv[1] ?? '') === __filename) {
  const check = process.argv.includes('--check');
  const stale = syncTemplates(defaultPoliciesDir(), check);
  for (const name of stale) console.log(`${check ? 'stale' : 'updated'}: policies/${name}/template.yaml`);
  if (check && stale.length > 0) process.exit(1);
}
