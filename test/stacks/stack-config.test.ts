import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { stackOptions } from '../../cli/deploy';
import { environments } from '../../environments';
import { readStackSettings, STACK_CONFIG, stackSettings, stackTags } from '../../stacks/stack-config';

const ROOT = path.resolve(__dirname, '../..');
const io = { out: () => undefined, err: () => undefined };

describe('stack settings', () => {
  it('documents exactly the keys the program reads in Pulumi.yaml, with the same types and defaults', () => {
    const project = parse(fs.readFileSync(path.join(ROOT, 'Pulumi.yaml'), 'utf8'));
    expect(project.config).toEqual(STACK_CONFIG);
  });

  it.each(environments.map((e) => e.name))('has a Pulumi.%s.yaml that both readers accept', (name) => {
    const settings = readStackSettings(ROOT, name);
    expect(settings.owner).toMatch(/^[a-z0-9-]+$/);
    expect(stackTags(name, settings)).toEqual({ 'syskit:environment': name, 'syskit:owner': settings.owner });
  });

  it('gives a stack without a file (an ephemeral environment) the schema defaults', () => {
    expect(readStackSettings(ROOT, 'pr-404')).toEqual({
      owner: 'platform-team',
      skipAwait: false,
      constraints: true,
      addons: false,
    });
  });

  it('fails on every unknown key or bad value at once, naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-stack-'));
    fs.writeFileSync(
      path.join(dir, 'Pulumi.dev.yaml'),
      'config:\n  syskit:ownr: x\n  kubernetes:context: y\n',
    );
    expect(() => readStackSettings(dir, 'dev')).toThrow(
      /^Pulumi\.dev\.yaml: unknown key syskit:ownr; known: syskit:environment, syskit:owner/,
    );
    fs.writeFileSync(
      path.join(dir, 'Pulumi.dev.yaml'),
      'config:\n  syskit:skipAwait: maybe\n  syskit:addons: 1\n',
    );
    expect(() => readStackSettings(dir, 'dev')).toThrow(
      'Pulumi.dev.yaml: syskit:skipAwait expects true or false, got "maybe"\nPulumi.dev.yaml: syskit:addons expects true or false, got 1',
    );
    fs.rmSync(dir, { recursive: true });
  });

  it('reads Pulumi.Config strings the way pulumi up passes them', () => {
    const values: Record<string, string> = {
      skipAwait: 'true',
      constraints: 'false',
      kubeconfig: '',
      owner: 'ops',
    };
    expect(stackSettings((k) => values[k], 'stack dev')).toEqual({
      owner: 'ops',
      skipAwait: true,
      constraints: false,
      addons: false,
    });
  });

  it('lets syskit up flags take precedence over the stack file', async () => {
    const file = stackSettings(
      (k) => ({ kubeconfig: '/etc/clusters/staging', context: 'staging', constraints: false })[k as string],
      'x',
    );
    expect(await stackOptions({}, io, file)).toMatchObject({
      kubeconfig: '/etc/clusters/staging',
      context: 'staging',
      constraints: false,
    });
    expect(await stackOptions({ kubeconfig: '/tmp/kc', context: 'other' }, io, file)).toMatchObject({
      kubeconfig: '/tmp/kc',
      context: 'other',
    });
  });
});
