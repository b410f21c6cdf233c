/**
 * NetworkPolicy enforcement by kube-network-policies (SIG Network), built from its Go module and
 * run as upstream ships it: a privileged host-network DaemonSet in kube-system. On this node
 * "host network" is the node's namespace, so its nftables rules and nfqueue land there. NRI is
 * off: Debian's containerd 1.6 has no NRI, and pod IPs come from the API server instead.
 */
import { KNP_IMAGE } from './images';

const NAMESPACE = 'kube-system';
const NAME = 'kube-network-policies';
const LABELS = { 'k8s-app': NAME };

export function networkPolicyObjects(): object[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: NAMESPACE } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: NAME },
      rules: [
        { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'], verbs: ['list', 'watch'] },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: NAME },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: NAME, namespace: NAMESPACE, labels: LABELS },
      spec: {
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: {
            hostNetwork: true,
            dnsPolicy: 'Default',
            serviceAccountName: NAME,
            priorityClassName: 'system-node-critical',
            tolerations: [{ operator: 'Exists' }],
            containers: [
              {
                name: NAME,
                image: KNP_IMAGE,
                imagePullPolicy: 'IfNotPresent',
                args: [
                  '--hostname-override=$(NODE_NAME)',
                  '--disable-nri',
                  '--metrics-bind-address=127.0.0.1:9080',
                  '--v=2',
                ],
                env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
                resources: { requests: { cpu: '20m', memory: '32Mi' } },
                securityContext: { privileged: true, runAsUser: 0, capabilities: { add: ['NET_ADMIN'] } },
              },
            ],
          },
        },
      },
    },
  ];
}
