import { ServiceWorkload } from '../../constructs/service-workload';
import { testChart } from '../cdk8s';
import { restrictedViolations } from '../pod-templates';
import { resolveFixture } from '../fixtures/fleet';

function render(service: 'orders' | 'payments', env: 'dev' | 'prod' = 'dev') {
  const system = resolveFixture('shop', env);
  const chart = testChart();
  new ServiceWorkload(chart, 'w', { service: system.services.find((s) => s.name === service)! });
  const objects = chart.toJson() as any[];
  return (kind: string) => objects.filter((o) => o.kind === kind);
}

describe('ServiceWorkload', () => {
  it('writes a ServiceAccount, Deployment and Service named after the service', () => {
    const of = render('payments');
    expect(of('ServiceAccount').map((o) => o.metadata.name)).toEqual(['payments']);
    expect(of('Deployment').map((o) => o.metadata.name)).toEqual(['payments']);
    expect(of('Service').map((o) => o.metadata.name)).toEqual(['payments']);
    expect(of('ServiceAccount')[0].automountServiceAccountToken).toBe(false);
  });

  it('runs pods that pass Pod Security restricted', () => {
    const deployment = render('orders')('Deployment')[0];
    expect(restrictedViolations(deployment.spec.template.spec)).toEqual([]);
    const container = deployment.spec.template.spec.containers[0];
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(deployment.spec.template.spec.automountServiceAccountToken).toBe(false);
  });

  it('mounts a writable /tmp because the root filesystem is read-only', () => {
    const spec = render('orders')('Deployment')[0].spec.template.spec;
    expect(spec.containers[0].volumeMounts).toEqual([{ mountPath: '/tmp', name: 'tmp' }]);
    // At most the container's ephemeral-storage limit (prod's default, 1Gi), or the node's disk fills.
    expect(spec.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '1024Mi' } }]);
  });

  it('selects pods by readable labels only', () => {
    const of = render('orders');
    const deployment = of('Deployment')[0];
    expect(deployment.spec.selector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'orders' } });
    expect(of('Service')[0].spec.selector).toEqual({ 'app.kubernetes.io/name': 'orders' });
    expect(Object.keys(deployment.spec.template.metadata.labels)).not.toContain('cdk8s.io/metadata.addr');
  });

  it('sets requests and limits from the resolved resources', () => {
    const container = render('payments', 'prod')('Deployment')[0].spec.template.spec.containers[0];
    expect(container.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '128Mi' },
      limits: { cpu: '2000m', memory: '2048Mi', 'ephemeral-storage': '1Gi' },
    });
  });

  it('probes HTTP services over HTTP and gRPC services with the gRPC health protocol', () => {
    const http = render('orders')('Deployment')[0].spec.template.spec.containers[0];
    expect(http.readinessProbe.httpGet).toMatchObject({ path: '/readyz', port: 8080 });
    expect(http.livenessProbe.httpGet).toMatchObject({ path: '/livez', port: 8080 });
    const grpc = render('payments')('Deployment')[0].spec.template.spec.containers[0];
    expect(grpc.readinessProbe.grpc).toEqual({ port: 9000 });
    expect(grpc.readinessProbe.httpGet).toBeUndefined();
    expect(grpc.livenessProbe.grpc).toEqual({ port: 9000 });
  });

  it('autoscales and keeps a disruption budget when more than one replica can run', () => {
    const of = render('orders');
    expect(of('HorizontalPodAutoscaler')[0].spec).toMatchObject({ minReplicas: 2, maxReplicas: 5 });
    expect(of('Deployment')[0].spec.replicas).toBeUndefined();
    expect(of('PodDisruptionBudget')[0].spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'orders' } },
    });
  });

  it('writes no autoscaler and no disruption budget for a single replica', () => {
    const of = render('payments', 'dev');
    expect(of('Deployment')[0].spec.replicas).toBe(1);
    expect(of('HorizontalPodAutoscaler')).toEqual([]);
    expect(of('PodDisruptionBudget')).toEqual([]);
  });

  it('exposes the metrics port separately when it differs from the service port', () => {
    const service = render('orders')('Service')[0];
    expect(service.spec.ports.map((p: any) => `${p.name}:${p.port}`)).toEqual(['http:8080', 'metrics:9090']);
    expect(render('payments')('Service')[0].spec.ports[0]).toMatchObject({
      name: 'grpc',
      appProtocol: 'grpc',
    });
  });
});
