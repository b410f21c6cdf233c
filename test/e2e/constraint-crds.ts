import { loadPolicies } from '../../policies/catalog';

/**
 * The CRD Gatekeeper's controller creates for each ConstraintTemplate (one kind per template,
 * group constraints.gatekeeper.sh, the template's parameter schema under spec.parameters).
 * No Gatekeeper runs in the test control plane, so the tests create them the same way to let
 * the API server validate every Constraint syskit writes against its template's schema.
 */
export function constraintCrds(): Record<string, unknown>[] {
  return loadPolicies().map((rule) => {
    const spec = (rule.template as any).spec.crd.spec;
    const kind: string = spec.names.kind;
    const plural = kind.toLowerCase();
    const parameters = spec.validation?.openAPIV3Schema ?? {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    };
    const schema = {
      type: 'object',
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        spec: {
          type: 'object',
          properties: {
            enforcementAction: { type: 'string' },
            match: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            parameters,
          },
        },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    };
    return {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.constraints.gatekeeper.sh` },
      spec: {
        group: 'constraints.gatekeeper.sh',
        scope: 'Cluster',
        names: {
          kind,
          plural,
          singular: plural,
          listKind: `${kind}List`,
          categories: ['constraint', 'constraints'],
        },
        versions: ['v1beta1', 'v1alpha1', 'v1'].map((name) => ({
          name,
          served: true,
          storage: name === 'v1beta1',
          schema: { openAPIV3Schema: schema },
        })),
      },
    };
  });
}
