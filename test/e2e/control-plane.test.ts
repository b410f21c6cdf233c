/**
 * The local control plane is a real one: upstream CRDs install and become Established, Pod
 * Security admission enforces `restricted`, and the controller manager finalizes namespaces.
 */
import {
  SETUP_TIMEOUT_MS,
  TEARDOWN_TIMEOUT_MS,
  applyManifest,
  createNamespace,
  installCrds,
  kubectl,
  startTestControlPlane,
  waitFor,
  type ControlPlane,
} from './helpers';

const RESTRICTED_NS = 'e2e-restricted';

function pod(name: string, securityContext: object, podSecurityContext: object = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: RESTRICTED_NS },
    spec: {
      securityContext: podSecurityContext,
      containers: [{ name: 'app', image: 'registry.example/app:1.0.0', securityContext }],
    },
  });
}

const compliantContainer = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

describe('local control plane', () => {
  let cp: ControlPlane | undefined;
  let crds: string[] = [];

  beforeAll(async () => {
    cp = await startTestControlPlane();
    crds = await installCrds(cp.kubeconfig);
    await createNamespace(RESTRICTED_NS, cp.kubeconfig, {
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await cp?.stop();
  }, TEARDOWN_TIMEOUT_MS);

  const kc = () => {
    if (!cp) throw new Error('control plane did not start');
    return cp.kubeconfig;
  };

  it('serves the API with the pinned Kubernetes version', async () => {
    const { stdout } = await kubectl(['get', '--raw', '/version'], kc());
    expect(JSON.parse(stdout).gitVersion).toMatch(/^v1\.\d+\.\d+$/);
  });

  it('has every upstream CRD Established, including the ones syskit emits', async () => {
    expect(crds).toEqual(
      expect.arrayContaining([
        'httproutes.gateway.networking.k8s.io',
        'kongplugins.configuration.konghq.com',
        'authorizationpolicies.security.istio.io',
        'peerauthentications.security.istio.io',
        'constrainttemplates.templates.gatekeeper.sh',
        'clusters.postgresql.cnpg.io',
        'servicemonitors.monitoring.coreos.com',
        'certificates.cert-manager.io',
        'kafkatopics.kafka.strimzi.io',
        'kafkausers.kafka.strimzi.io',
      ]),
    );
    const { stdout } = await kubectl(
      ['api-resources', '--api-group=gateway.networking.k8s.io', '-o', 'name'],
      kc(),
    );
    expect(stdout).toContain('httproutes.gateway.networking.k8s.io');
  });

  it('rejects a privileged Pod in a restricted namespace', async () => {
    const res = await applyManifest(pod('privileged', { privileged: true }), kc(), {
      allowFailure: true,
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('violates PodSecurity');
    expect(res.stderr).toContain('privileged');
  });

  it('rejects a Pod without a seccomp profile in a restricted namespace', async () => {
    const withoutSeccomp: Record<string, unknown> = { ...compliantContainer };
    delete withoutSeccomp.seccompProfile;
    const res = await applyManifest(pod('no-seccomp', withoutSeccomp), kc(), { allowFailure: true });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('violates PodSecurity');
    expect(res.stderr).toContain('seccompProfile');
  });

  it('accepts a compliant Pod in a restricted namespace', async () => {
    const res = await applyManifest(pod('compliant', compliantContainer, { runAsUser: 10001 }), kc(), {
      allowFailure: true,
    });
    expect(res.stderr).not.toContain('violates PodSecurity');
    expect(res.code).toBe(0);
    await kubectl(['get', 'pod', 'compliant', '-n', RESTRICTED_NS], kc());
  });

  it('deletes the objects in a namespace when the namespace is deleted (controller manager)', async () => {
    const ns = 'e2e-doomed';
    await createNamespace(ns, kc());
    await applyManifest(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'settings', namespace: ns },
        data: { a: '1' },
      }),
      kc(),
    );
    await applyManifest(
      JSON.stringify({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'route', namespace: ns },
        spec: { rules: [{ backendRefs: [{ name: 'svc', port: 80 }] }] },
      }),
      kc(),
    );
    await kubectl(['delete', 'namespace', ns, '--wait=false'], kc());
    await waitFor(
      `namespace ${ns} to be finalized`,
      async () => (await kubectl(['get', 'namespace', ns], kc(), { allowFailure: true })).code !== 0,
      120_000,
      1_000,
    );
    const cm = await kubectl(['get', 'configmap', 'settings', '-n', ns], kc(), { allowFailure: true });
    expect(cm.code).not.toBe(0);
    expect(cm.stderr).toContain('NotFound');
  }, 180_000);
});
