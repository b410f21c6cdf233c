import { isDeepStrictEqual } from 'node:util';
import { ApiObject, type ApiObjectMetadata } from 'cdk8s';
import { Construct } from 'constructs';
import type { Environment } from '../model';
import { constraintFor, gatekeeperConfig, loadPolicies, type PolicyRule } from '../policies/catalog';
import { policyEnvironmentOf } from '../policies/policy-environment';
import { Config } from './imports/config.gatekeeper.sh';
import {
  ConstraintTemplate,
  type ConstraintTemplateProps,
  type ConstraintTemplateSpecTargets,
} from './imports/templates.gatekeeper.sh';

export interface GatekeeperPoliciesProps {
  readonly environment: Environment;
  /** @default - every rule in policies/ */
  readonly rules?: readonly PolicyRule[];
}

/**
 * The platform's guardrails in the cluster: every rule's ConstraintTemplate, one Constraint per
 * rule with the environment's enforcement action (`dryrun` in dev, `deny` in prod), and the
 * Gatekeeper Config that syncs the kinds referential rules read. `syskit validate` runs the very
 * same Rego before apply.
 */
export class GatekeeperPolicies extends Construct {
  constructor(scope: Construct, id: string, props: GatekeeperPoliciesProps) {
    super(scope, id);
    const rules = props.rules ?? loadPolicies();
    const env = policyEnvironmentOf(props.environment);
    for (const rule of rules) {
      new ConstraintTemplate(this, `template-${rule.name}`, constraintTemplateProps(rule));
    }
    for (const rule of rules) {
      const constraint = constraintFor(rule, env) as {
        apiVersion: string;
        kind: string;
        metadata: ApiObjectMetadata;
      };
      // Untyped on purpose: each constraint kind is a CRD that Gatekeeper creates from its template
      // at run time (`constraints.gatekeeper.sh/v1beta1`, kind from the template), so no pinned CRD
      // file holds it for `cdk8s import`; the template's own schema types its parameters.
      new ApiObject(this, `constraint-${rule.name}`, constraint);
    }
    const config = gatekeeperConfig([...rules]);
    new Config(this, 'config', { metadata: config.metadata, spec: config.spec });
  }
}

/** The Kubernetes JSON of a template.yaml, as far as the binding's schema names it. */
interface TemplateManifest {
  metadata: ApiObjectMetadata;
  spec: {
    crd: {
      spec: {
        names: { kind?: string; shortNames?: string[] };
        validation?: { legacySchema?: boolean; openAPIV3Schema?: unknown };
      };
    };
    // The same field names in JSON and in the binding.
    targets: ConstraintTemplateSpecTargets[];
  };
}

/**
 * A rule's template.yaml as the binding's props. The binding writes only the fields its schema
 * names (under their JSON names), so a template field this mapping missed would vanish from the
 * manifest without a word: the result is checked to write back exactly the template.
 */
function constraintTemplateProps(rule: PolicyRule): ConstraintTemplateProps {
  const template = rule.template as unknown as TemplateManifest;
  const { validation } = template.spec.crd.spec;
  const props: ConstraintTemplateProps = {
    metadata: template.metadata,
    spec: {
      crd: {
        spec: {
          names: template.spec.crd.spec.names,
          ...(validation && {
            validation: {
              legacySchema: validation.legacySchema,
              openApiv3Schema: validation.openAPIV3Schema,
            },
          }),
        },
      },
      targets: template.spec.targets,
    },
  };
  // Both through JSON: plain data on either side, whichever realm made the parsed template.
  const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
  if (!isDeepStrictEqual(plain(ConstraintTemplate.manifest(props)), plain(rule.template))) {
    throw new Error(
      `policies/${rule.name}/template.yaml would not be written back as it is through the ConstraintTemplate ` +
        `binding (${ConstraintTemplate.GVK.apiVersion}): it holds a field the mapping leaves out or another ` +
        `apiVersion; map the field in constraintTemplateProps (constructs/gatekeeper-policies.ts)`,
    );
  }
  return props;
}
