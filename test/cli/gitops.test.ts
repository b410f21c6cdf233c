import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseObjects } from '../../delivery/units';
import { runCli as run } from './run-in-process';

const REPO = ['--repo', 'https://git.acme.example/platform.git'];

describe('syskit synth --gitops', () => {
  // Inside the repository, where a GitOps tool could read it; ignored by Git.
  const out = path.join('.syskit', `gitops-test-${process.pid}`);
  afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

  it('lays out an environment for Flux, with the path of the output in the repository', async () => {
    const result = await run(
      'synth',
      '--env',
      'staging',
      '--gitops',
      'flux',
      ...REPO,
      '--revision',
      'release',
      '--out',
      out,
    );
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out).toContain(`staging: 3 systems and the platform`);
    const staging = path.join(out, 'staging');
    expect(fs.existsSync(path.join(staging, 'kustomization.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(staging, 'systems/commerce/foundation/kustomization.yaml'))).toBe(true);
    expect(fs.existsSync(path.join(staging, 'vault/commerce/commerce-orders.hcl'))).toBe(true);
    expect(fs.existsSync(path.join(staging, 'commerce.yaml'))).toBe(false);
    const flux = parseObjects(fs.readFileSync(path.join(staging, 'flux/objects.yaml'), 'utf8')) as any[];
    expect(flux[0].spec).toMatchObject({ url: REPO[1], ref: { branch: 'release' } });
    expect(flux.find((o) => o.metadata.name === 'staging-commerce-workloads').spec.path).toBe(
      `./${out}/staging/systems/commerce/workloads`,
    );
  });

  it('fails with every usage problem at once and writes nothing', async () => {
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-gitops-'));
    const result = await run(
      'synth',
      '--gitops',
      'helm',
      '--system',
      'commerce',
      ...REPO,
      '--out',
      elsewhere,
    );
    expect(result.code).toBe(2);
    expect(result.err).toContain('--gitops expects one of argocd, flux, got "helm"');
    expect(result.err).toContain('drop --system');
    expect(result.err).toContain('is outside the Git repository');
    expect(fs.readdirSync(elsewhere)).toEqual([]);
    fs.rmSync(elsewhere, { recursive: true });
  });

  it('refuses --repo without --gitops', async () => {
    const result = await run('synth', ...REPO, '--out', out);
    expect(result.code).toBe(2);
    expect(result.err).toContain('add --gitops argocd or --gitops flux');
  });
});
