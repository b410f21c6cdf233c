import { ApiObject, JsonPatch } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import type { ResolvedSystem } from '../model';
import {
  claimNeeds,
  claimTotals,
  fullScaleNeeds,
  largestContainer,
  namespaceTotals,
  type Amounts,
} from './quota-sizing';

export interface SystemNamespaceProps {
  readonly system: ResolvedSystem;
}

/** The annotation the allowed-registries policy reads a system's extra registries from. */
export const EXTRA_REGISTRIES_ANNOTATION = 'syskit.io/extra-registries';

/** Pod Security Admission labels: enforce, audit and warn all at `restricted`. */
export const POD_SECURITY_LABELS = {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/audit-version': 'latest',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'latest',
} as const;

/**
 * The boundary of one system: a namespace that refuses pods weaker than Pod Security
 * `restricted`, joins the mesh, has a quota sized from what the system declares, defaults for
 * containers that declare no resources (injected sidecars), and a default-deny NetworkPolicy.
 *
 * NetworkPolicies are additive: once any policy selects a pod, only what some policy allows
 * gets through. The default-deny policy selects every pod with no rules; the traffic policies
 * derived from the call graph then open exactly the declared flows. DNS is opened here because
 * every pod needs it.
 */
export class SystemNamespace extends Construct {
  readonly namespace: kplus.Namespace;

  constructor(scope: Construct, id: string, props: SystemNamespaceProps) {
    super(scope, id);
    const system = props.system;
    const mesh = system.environment.mesh.provider;

    this.namespace = new kplus.Namespace(this, 'Resource', {
      metadata: {
        name: system.namespace,
        labels: {
          ...POD_SECURITY_LABELS,
          ...(mesh === 'istio' ? { 'istio-injection': 'enabled' } : {}),
          ...ephemeralLabels(system),
        },
        annotations: {
          'syskit.io/description': system.description,
          // The allowed-registries policy reads a system's own extra registries from here.
          ...(system.registries.length > 0
            ? { [EXTRA_REGISTRIES_ANNOTATION]: system.registries.join(',') }
            : {}),
          ...ephemeralAnnotations(system),
          ...(mesh === 'linkerd'
            ? { 'linkerd.io/inject': 'enabled', 'config.linkerd.io/default-inbound-policy': 'deny' }
            : {}),
        },
      },
    });
    // A Namespace is cluster-scoped; cdk8s writes the chart's namespace onto it anyway.
    ApiObject.of(this.namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    // cdk8s-plus writes an empty spec; leave it out so a server-side apply owns no field it never set.
    ApiObject.of(this.namespace).addJsonPatch(JsonPatch.remove('/spec'));

    // One computation sizes both: the quota admits everything at full scale, and no container may
    // be larger than the largest one counted.
    const needs = fullScaleNeeds(system);
    const total = namespaceTotals(needs);
    const claims = claimTotals(claimNeeds(system));
    new kplus.k8s.KubeResourceQuota(this, 'Quota', {
      metadata: { name: 'system-quota' },
      spec: {
        hard: {
          ...quantities(total, {
            cpuRequest: 'requests.cpu',
            memoryRequest: 'requests.memory',
            cpuLimit: 'limits.cpu',
            memoryLimit: 'limits.memory',
            ephemeralRequest: 'requests.ephemeral-storage',
            ephemeralLimit: 'limits.ephemeral-storage',
          }),
          pods: kplus.k8s.Quantity.fromNumber(total.pods),
          // Exactly the declared volumes: a claim nobody declared has no room.
          persistentvolumeclaims: kplus.k8s.Quantity.fromNumber(claims.claims),
          'requests.storage': kplus.k8s.Quantity.fromString(`${Math.ceil(claims.storage / 1024)}Mi`),
          'services.loadbalancers': kplus.k8s.Quantity.fromNumber(0),
          'services.nodeports': kplus.k8s.Quantity.fromNumber(0),
        },
      },
    });

    const defaults = system.environment.defaults.resources;
    const largest = largestContainer(needs, system.environment);
    new kplus.k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: { name: 'container-defaults' },
      spec: {
        limits: [
          {
            type: 'Container',
            // Containers the platform injects name no ephemeral storage; a quota on it admits no
            // pod with a container that names none, so these defaults fill it in.
            defaultRequest: {
              cpu: kplus.k8s.Quantity.fromString(defaults.requests.cpu),
              memory: kplus.k8s.Quantity.fromString(defaults.requests.memory),
              'ephemeral-storage': kplus.k8s.Quantity.fromString(defaults.requests.ephemeralStorage),
            },
            default: {
              cpu: kplus.k8s.Quantity.fromString(defaults.limits.cpu),
              memory: kplus.k8s.Quantity.fromString(defaults.limits.memory),
              'ephemeral-storage': kplus.k8s.Quantity.fromString(defaults.limits.ephemeralStorage),
            },
            max: quantities(largest, {
              cpuLimit: 'cpu',
              memoryLimit: 'memory',
              ephemeralLimit: 'ephemeral-storage',
            }),
          },
        ],
      },
    });

    new kplus.k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new kplus.k8s.KubeNetworkPolicy(this, 'AllowDns', {
      metadata: { name: 'allow-dns' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
                podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
              },
            ],
            ports: [
              { protocol: 'UDP', port: kplus.k8s.IntOrString.fromNumber(53) },
              { protocol: 'TCP', port: kplus.k8s.IntOrString.fromNumber(53) },
            ],
          },
        ],
      },
    });
  }
}

/** Amounts as Kubernetes quantities (millicores, MiB rounded up), under the given keys. */
function quantities(
  amounts: Amounts,
  keys: Partial<Record<keyof Amounts, string>>,
): Record<string, kplus.k8s.Quantity> {
  const out: Record<string, kplus.k8s.Quantity> = {};
  for (const [field, key] of Object.entries(keys) as [keyof Amounts, string][]) {
    const value = amounts[field];
    out[key] = kplus.k8s.Quantity.fromString(
      field.startsWith('cpu') ? `${value}m` : `${Math.ceil(value / 1024)}Mi`,
    );
  }
  return out;
}

/** Marks the namespaces of ephemeral environments so `syskit env gc` can find expired ones. */
export const EPHEMERAL_LABEL = 'syskit.io/ephemeral';
export const EXPIRES_LABEL = 'syskit.io/expires-at';

function expiry(system: ResolvedSystem): Date | undefined {
  const e = system.environment.ephemeral;
  return e ? new Date(Date.parse(e.createdAt) + e.ttlHours * 3600_000) : undefined;
}

// Label values cannot hold an ISO time, so the label carries epoch seconds (selectable) and the
// annotation the readable form.
function ephemeralLabels(system: ResolvedSystem): Record<string, string> {
  const at = expiry(system);
  return at ? { [EPHEMERAL_LABEL]: 'true', [EXPIRES_LABEL]: String(Math.floor(at.getTime() / 1000)) } : {};
}

function ephemeralAnnotations(system: ResolvedSystem): Record<string, string> {
  const e = system.environment.ephemeral;
  const at = expiry(system);
  return e && at
    ? {
        'syskit.io/base-environment': e.base,
        'syskit.io/ttl': `${e.ttlHours}h`,
        [EXPIRES_LABEL]: at.toISOString(),
      }
    : {};
}
