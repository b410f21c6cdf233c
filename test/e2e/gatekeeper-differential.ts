/**
 * The fixture the differential test runs through both `syskit validate` and the real Gatekeeper:
 * every case of every rule's gator suite (policies/<rule>/suite.yaml), the object under test with
 * its inventory. Each case gets namespaces of its own (`c<case>-<name>`), so cases that reuse a
 * name never meet; a case whose object is a Pod runs in a namespace without Pod Security
 * enforcement, so Pod Security cannot refuse it before Gatekeeper is asked. Both sides see
 * exactly these objects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { defaultPoliciesDir } from '../../policies/catalog';
import type { K8sObject } from './platform';

interface Suite {
  tests: Array<{ cases: Array<{ name: string; object: string; inventory?: string[] }> }>;
}

const docs = (file: string): K8sObject[] =>
  parseAllDocuments(fs.readFileSync(file, 'utf8'))
    .map((d) => d.toJSON() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);

export function differentialFixture(policiesDir = defaultPoliciesDir()): K8sObject[] {
  const out: K8sObject[] = [];
  let index = 0;
  for (const rule of fs.readdirSync(policiesDir).sort()) {
    const suiteFile = path.join(policiesDir, rule, 'suite.yaml');
    if (!fs.existsSync(suiteFile)) continue;
    const suite = parse(fs.readFileSync(suiteFile, 'utf8')) as Suite;
    const namespacesFile = path.join(policiesDir, rule, 'samples', 'namespaces.yaml');
    for (const test of suite.tests) {
      for (const c of test.cases) {
        const prefix = `c${index++}`;
        const object = docs(path.join(policiesDir, rule, c.object));
        let inventory = (c.inventory ?? []).flatMap((f) => docs(path.join(policiesDir, rule, f)));
        const namespaced = object.filter((o) => o.metadata?.namespace);
        const defined = new Set(inventory.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.name));
        if (namespaced.some((o) => !defined.has(o.metadata.namespace)) && fs.existsSync(namespacesFile)) {
          inventory = [...inventory, ...docs(namespacesFile).filter((n) => !defined.has(n.metadata.name))];
        }
        // The object under test wins over an inventory object of the same identity.
        const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        const objectKeys = new Set(object.map(key));
        const objects = [...inventory.filter((o) => !objectKeys.has(key(o))), ...object];
        const hasPod = object.some((o) => o.kind === 'Pod');
        for (const original of objects) {
          const o = structuredClone(original);
          if (o.kind === 'Namespace') {
            o.metadata.name = `${prefix}-${o.metadata.name}`;
            if (o.metadata.labels?.['kubernetes.io/metadata.name']) {
              o.metadata.labels['kubernetes.io/metadata.name'] = o.metadata.name;
            }
            if (hasPod && o.metadata.labels?.['pod-security.kubernetes.io/enforce']) {
              o.metadata.labels['pod-security.kubernetes.io/enforce'] = 'privileged';
            }
          } else if (o.metadata?.namespace) {
            o.metadata.namespace = `${prefix}-${o.metadata.namespace}`;
          }
          out.push(o);
        }
      }
    }
  }
  return out;
}
