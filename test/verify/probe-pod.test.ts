import { DEFAULT_PROBE_IMAGE } from '../../verify';
import { probePod } from '../../verify/probe-pod';

type Pod = {
  metadata: { namespace: string; labels: Record<string, string>; generateName: string };
  spec: {
    serviceAccountName?: string;
    automountServiceAccountToken: boolean;
    restartPolicy: string;
    securityContext: Record<string, unknown>;
    containers: {
      args: string[];
      image: string;
      readinessProbe: unknown;
      securityContext: Record<string, unknown>;
    }[];
  };
};

const pod = probePod(
  { id: 'shop/orders', system: 'shop', namespace: 'shop', workload: { kind: 'Deployment', name: 'orders' } },
  {
    labels: { 'app.kubernetes.io/name': 'orders', 'pod-template-hash': '5d8f', 'syskit.io/system': 'shop' },
    serviceAccount: 'orders',
  },
  ['tcp:10.0.0.12:9000', 'dns:kubernetes.default'],
  { runId: 'abc123', image: DEFAULT_PROBE_IMAGE, timeoutSeconds: 2, settleSeconds: 5 },
) as Pod;

describe('probePod', () => {
  it("takes the workload's namespace, labels and service account, without its controller's labels", () => {
    expect(pod.metadata.namespace).toBe('shop');
    expect(pod.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'orders',
      'syskit.io/system': 'shop',
      'syskit.io/verify-run': 'abc123',
    });
    expect(pod.spec.serviceAccountName).toBe('orders');
    expect(pod.metadata.generateName).toBe('syskit-verify-orders-');
  });

  it('meets Pod Security restricted', () => {
    expect(pod.spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.spec.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
  });

  it("never becomes ready, so it never joins the workload's Service", () => {
    expect(pod.spec.containers[0].readinessProbe).toEqual({ tcpSocket: { port: 1 }, periodSeconds: 60 });
  });

  it('runs once and reports through its termination message', () => {
    expect(pod.spec.restartPolicy).toBe('Never');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.containers[0].args).toEqual([
      'probe',
      '--settle=5s',
      '--timeout=2s',
      '--out=/dev/termination-log',
      'tcp:10.0.0.12:9000',
      'dns:kubernetes.default',
    ]);
  });
});
