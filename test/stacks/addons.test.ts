import { recordResources, settle } from './mocks';
import { PlatformAddons, ADDON_CHARTS } from '../../stacks/addons';
import { parseFleet } from '../../model';
import dev from '../../environments/dev';
import prod from '../../environments/prod';

const recorded = recordResources();

describe('PlatformAddons (Pulumi mocks; charts cannot be downloaded here)', () => {
  beforeAll(async () => {
    const fleet = parseFleet([], [dev, prod]);
    new PlatformAddons('dev', { environment: fleet.environments[0] });
    new PlatformAddons('prod', { environment: fleet.environments[1] });
    await settle();
  });

  it('installs every add-on as a pinned Helm release from its repository', () => {
    const installed = recorded.filter((r) => r.type === 'kubernetes:helm.sh/v3:Release');
    expect(installed.map((r) => r.inputs.name).sort()).toEqual(
      [...Object.keys(ADDON_CHARTS), ...Object.keys(ADDON_CHARTS)].sort(),
    );
    for (const r of installed) {
      const pin = ADDON_CHARTS[r.inputs.name as keyof typeof ADDON_CHARTS];
      expect(r.inputs).toMatchObject({
        chart: pin.chart,
        version: pin.version,
        namespace: pin.namespace,
        repositoryOpts: { repo: pin.repo },
      });
      expect(r.inputs.version).toMatch(/^v?\d+\.\d+\.\d+$/);
    }
    expect(recorded.filter((r) => r.type === 'syskit:index:PlatformAddons').map((r) => r.name)).toEqual([
      'dev',
      'prod',
    ]);
  });

  it('runs Istio with its CNI so restricted pods need no privileged init container', () => {
    const istiod = recorded.find((r) => r.inputs.name === 'istiod')!;
    expect(istiod.inputs.values.cni).toEqual({ enabled: true });
    expect(istiod.inputs.values.pilot).toBeUndefined();
    expect(recorded.filter((r) => r.inputs.name === 'istio-cni')).toHaveLength(2);
  });

  it('sizes the add-ons per environment and passes the load-balancer annotations to Kong', () => {
    const kong = recorded.filter((r) => r.inputs.name === 'kong');
    const [devKong, prodKong] = kong;
    expect(devKong.inputs.values.replicaCount).toBe(1);
    expect(prodKong.inputs.values.replicaCount).toBe(2);
    expect(
      prodKong.inputs.values.proxy.annotations['service.beta.kubernetes.io/aws-load-balancer-type'],
    ).toBe('nlb');
    expect(prodKong.inputs.values.deployment.serviceAccount.name).toBe('kong-gateway');
  });

  it('installs only the Vault agent injector, pointed at the environment Vault', () => {
    const vault = recorded.find((r) => r.inputs.name === 'vault')!;
    expect(vault.inputs.values).toMatchObject({
      injector: { enabled: true, externalVaultAddr: 'http://vault.vault.svc:8200' },
      server: { enabled: false },
    });
  });
});
