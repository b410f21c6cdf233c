import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApiObject } from 'cdk8s';
import type { Construct } from 'constructs';
import { LABELS } from '../model';
import { REPOSITORY_ROOT } from '../model/repository-root';

/**
 * syskit's own version, read at run time: an `import` of package.json would make the compiler
 * copy it into build/, where it would be taken for the repository root.
 */
export const SYSKIT_VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(REPOSITORY_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

/** What `app.kubernetes.io/name` and `app.kubernetes.io/version` say about an object. */
export interface RecommendedLabels {
  readonly name: string;
  readonly version: string;
}

/**
 * Gives every object below `scope` that lacks them Kubernetes' recommended `name` and
 * `version` labels. Charts call it once per workload (its name and image version) and then for
 * the whole chart: objects of the system as a whole (namespace, quotas, policies, topics, the
 * database) carry the system's name and the version of syskit that wrote them, so a selector
 * or a dashboard on the recommended labels sees every object. Labels already set stay.
 */
export function fillRecommendedLabels(scope: Construct, labels: RecommendedLabels): void {
  for (const child of scope.node.findAll()) {
    if (!(child instanceof ApiObject)) continue;
    if (child.metadata.getLabel(LABELS.name) === undefined) child.metadata.addLabel(LABELS.name, labels.name);
    if (child.metadata.getLabel(LABELS.version) === undefined)
      child.metadata.addLabel(LABELS.version, labels.version);
  }
}
