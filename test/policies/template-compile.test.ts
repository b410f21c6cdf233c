import * as path from 'node:path';
import { parse } from 'yaml';
import * as fs from 'node:fs';
import { main } from '../../cli/main';
import type { Io } from '../../cli/io';
import { loadPolicies } from '../../policies/catalog';
import { checkTemplates } from '../../policies/template-compile';
import { BUILD_TIMEOUT_MS, toolPath } from './tools';

const UNCOMPILABLE = path.join(__dirname, '../fixtures/admission/uncompilable-template.yaml');

/** A catalog template with its Rego (and optionally libs) replaced. */
function withSource(edit: (source: { rego: string; libs?: string[]; version?: string }) => void) {
  const template = structuredClone(loadPolicies().find((r) => r.name === 'no-ingress')!.template) as any;
  edit(template.spec.targets[0].code[0].source);
  return template as Record<string, unknown>;
}

describe('ConstraintTemplates Gatekeeper would not compile (real OPA)', () => {
  let opaPath: string;
  beforeAll(() => {
    opaPath = toolPath('opa');
  }, BUILD_TIMEOUT_MS);

  it('finds nothing to refuse in any template of the catalog', async () => {
    expect(
      await checkTemplates(
        loadPolicies().map((r) => r.template),
        { opaPath },
      ),
    ).toEqual([]);
  }, 60_000);

  it('fails on an unsafe variable, naming the line', async () => {
    const template = parse(fs.readFileSync(UNCOMPILABLE, 'utf8'));
    expect(await checkTemplates([template], { opaPath })).toEqual([
      { template: 'syskitrequiredteam', message: 'rego line 4: rego_unsafe_var_error: var team is unsafe' },
    ]);
  }, 60_000);

  it('fails on a template without a violation rule', async () => {
    const template = withSource(
      (s) => (s.rego = s.rego.replace(/violation contains/g, 'violations contains')),
    );
    expect(await checkTemplates([template], { opaPath })).toEqual([
      { template: 'syskitnoingress', message: 'rego: missing required rule "violation"' },
    ]);
  }, 60_000);

  it('fails on a reference to data outside data.lib and data.inventory', async () => {
    const template = withSource((s) => (s.rego += '\nleaked if data.kubernetes.secrets\n'));
    expect(await checkTemplates([template], { opaPath })).toEqual([
      {
        template: 'syskitnoingress',
        message:
          'rego: reads data.kubernetes; Gatekeeper allows only data.lib and data.inventory in a template',
      },
    ]);
  }, 60_000);

  it('fails on a lib outside the lib package and on a name that is not the lowercase kind', async () => {
    const template = withSource(
      (s) => (s.libs = [...(s.libs ?? []), 'package helpers\n\nok := true\n']),
    ) as any;
    template.metadata.name = 'no-ingress';
    expect(await checkTemplates([template], { opaPath })).toEqual([
      {
        template: 'no-ingress',
        message:
          'metadata.name must be the lowercase of spec.crd.spec.names.kind ("syskitnoingress"), got "no-ingress"',
      },
      {
        template: 'no-ingress',
        message: 'libs[1]: package helpers must be under "lib" (package lib.<name>)',
      },
    ]);
  }, 60_000);

  it('reads Rego v0 where the template does not declare v1', async () => {
    const template = withSource((s) => {
      delete s.version;
      s.rego = 'package x\n\nviolation[{"msg": "always"}] { true }\n';
      s.libs = [];
    });
    expect(await checkTemplates([template], { opaPath })).toEqual([]);
  }, 60_000);

  it('makes syskit validate fail with exit 1, naming the template and the reason', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l) };
    const code = await main(['validate', '--manifests', UNCOMPILABLE, '--env', 'dev'], io);
    expect(code).toBe(1);
    expect(err).toEqual([
      'dev: ConstraintTemplate/syskitrequiredteam: Gatekeeper would not compile it: rego line 4: rego_unsafe_var_error: var team is unsafe',
    ]);
  }, 120_000);
});
