import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { main } from '../../cli/main';
import type { Io } from '../../cli/io';
import { loadPolicies } from '../../policies/catalog';
import { checkTemplates } from '../../policies/template-compile';
import { parseModules } from '../../policies/template-rego';
import { BUILD_TIMEOUT_MS, toolPath } from './tools';

const UNCOMPILABLE = path.join(__dirname, '../fixtures/admission/uncompilable-template.yaml');

/** A catalog template with its Rego (and optionally libs) replaced. */
function withSource(
  edit: (source: { rego: string; libs?: string[]; version?: string }) => void,
  rule = 'no-ingress',
) {
  const template = structuredClone(loadPolicies().find((r) => r.name === rule)!.template) as any;
  edit(template.spec.targets[0].code[0].source);
  return template as Record<string, unknown>;
}

/** A template named after its kind, with the given Rego and the catalog's libs. */
function template(kind: string, rego: string, version?: 'v1') {
  const t = withSource((s) => {
    s.rego = rego;
    if (version) s.version = version;
    else {
      // The catalog's lib is v1.
      delete s.version;
      s.libs = [];
    }
  }) as any;
  t.metadata.name = kind.toLowerCase();
  t.spec.crd.spec.names.kind = kind;
  return t as Record<string, unknown>;
}

/** An OPA that records the subcommand of every run in `log`. */
function countingOpa(opa: string): { opaPath: string; runs: () => string[]; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-counting-opa-'));
  const log = path.join(dir, 'runs');
  const opaPath = path.join(dir, 'opa');
  fs.writeFileSync(opaPath, `#!/bin/sh\necho "$1" >> '${log}'\nexec '${opa}' "$@"\n`, { mode: 0o755 });
  return {
    opaPath,
    runs: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : []),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
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

  it('checks every template of the catalog in one opa check and one opa eval', async () => {
    const opa = countingOpa(opaPath);
    const catalog = loadPolicies().map((r) => r.template);
    expect(catalog.length).toBeGreaterThan(10);
    expect(await checkTemplates(catalog, { opaPath: opa.opaPath })).toEqual([]);
    expect(opa.runs().sort()).toEqual(['check', 'eval']);
    opa.remove();
  }, 60_000);

  it('checks unchanged templates again without OPA, and a changed one with it', async () => {
    const opa = countingOpa(opaPath);
    const catalog = loadPolicies().map((r) => r.template);
    const broken = template(
      'K8sBroken',
      'package k8sbroken\n\nviolation[{"msg": msg}] {\n\tmsg := undefined_var\n}\n',
    );
    const first = await checkTemplates([...catalog, broken], { opaPath: opa.opaPath });
    expect(first.map((p) => p.template)).toContain('k8sbroken');
    const runs = opa.runs().length;
    expect(runs).toBeGreaterThan(0);
    // The same templates: the same problems, from the cache, without an OPA process.
    expect(await checkTemplates([...catalog, broken], { opaPath: opa.opaPath })).toEqual(first);
    expect(opa.runs()).toHaveLength(runs);
    // One template's Rego changed: checked by OPA again, and its problem is gone.
    const fixed = template('K8sBroken', 'package k8sbroken\n\nviolation[{"msg": msg}] {\n\tmsg := "x"\n}\n');
    expect(await checkTemplates([...catalog, fixed], { opaPath: opa.opaPath })).toEqual([]);
    expect(opa.runs().length).toBeGreaterThan(runs);
    opa.remove();
  }, 60_000);

  it('parses with rego.parse_module exactly as opa parse does, for every module of the catalog', async () => {
    const texts = [
      ...new Set(
        loadPolicies().flatMap((r) => {
          const source = (r.template as any).spec.targets[0].code[0].source;
          return [source.rego as string, ...(source.libs as string[])];
        }),
      ),
    ];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-parse-'));
    const parsed = await parseModules(opaPath, texts);
    expect(parsed.size).toBe(texts.length);
    for (const [i, text] of texts.entries()) {
      const file = path.join(dir, `${i}.rego`);
      fs.writeFileSync(file, text);
      const fromCli = JSON.parse(
        execFileSync(opaPath, ['parse', '--format', 'json', file], { encoding: 'utf8' }),
      );
      const fromBuiltin = parsed.get(text) as any;
      // What template-rego.ts reads: the package, the rule names and every reference.
      expect(fromBuiltin.package).toEqual(fromCli.package);
      expect(fromBuiltin.rules).toEqual(fromCli.rules);
      expect(fromBuiltin.imports).toEqual(fromCli.imports);
      expect(fromBuiltin.rules.length).toBeGreaterThan(0);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('reports two broken templates among the catalog, each with its file and line', async () => {
    const brokenRego = template(
      'SyskitBrokenRego',
      'package syskit.rules.broken_rego\n\nviolation contains {"msg": msg} if {\n\tmsg := unknown_helper(input)\n}\n',
      'v1',
    );
    const brokenLib = withSource((s) => {
      s.libs = [...(s.libs ?? []), 'package lib.syskit.extra\n\nbad if {\n\tx == 1\n}\n'];
    }, 'required-labels');
    const catalog = loadPolicies().map((r) => r.template);
    const found = await checkTemplates([...catalog, brokenRego, brokenLib], { opaPath });
    expect(found).toEqual([
      {
        template: 'syskitbrokenrego',
        message: 'rego line 4: rego_type_error: undefined function unknown_helper',
      },
      { template: 'syskitrequiredlabels', message: 'libs[1] line 4: rego_unsafe_var_error: var x is unsafe' },
    ]);
  }, 60_000);

  it('checks v0 and v1 templates together, each in its own Rego version', async () => {
    const v0 = template(
      'SyskitOld',
      'package syskit.rules.old\n\nviolation[{"msg": "always"}] {\n\ttrue\n}\n',
    );
    const v0Broken = template(
      'SyskitOldBroken',
      'package syskit.rules.old_broken\n\nviolation[{"msg": msg}] {\n\tmsg := missing\n}\n',
    );
    // v1 syntax in a template that does not declare v1 is an error, as Gatekeeper reads it as v0.
    const v1AsV0 = template(
      'SyskitUndeclared',
      'package syskit.rules.undeclared\n\nviolation contains {"msg": "x"} if true\n',
    );
    const catalog = loadPolicies().map((r) => r.template);
    const found = await checkTemplates([v0, ...catalog, v0Broken, v1AsV0], { opaPath });
    expect(found.map((p) => p.template)).toEqual(['syskitoldbroken', 'syskitundeclared']);
    expect(found[0].message).toBe('rego line 4: rego_unsafe_var_error: var missing is unsafe');
    expect(found[1].message).toMatch(/^rego line 3: rego_parse_error: /);
  }, 60_000);

  it('finds what a template alone lacks, although another template in the same package defines it', async () => {
    const user = template(
      'SyskitUser',
      'package syskit.rules.shared\n\nviolation contains {"msg": msg} if {\n\tmsg := helper\n}\n',
      'v1',
    );
    const provider = template(
      'SyskitProvider',
      'package syskit.rules.shared\n\nhelper := "from another template"\n\nviolation contains {"msg": helper} if false\n',
      'v1',
    );
    expect(await checkTemplates([user, provider], { opaPath })).toEqual([
      { template: 'syskituser', message: 'rego line 4: rego_unsafe_var_error: var helper is unsafe' },
    ]);
  }, 60_000);

  it('finds what a template alone lacks, although another template adds it to the lib package', async () => {
    const user = template(
      'SyskitLibUser',
      'package syskit.rules.lib_user\n\nimport data.lib.syskit.kubernetes\n\n' +
        'violation contains {"msg": msg} if {\n\tmsg := kubernetes.extra(input.review.object)\n}\n',
      'v1',
    );
    const extender = template(
      'SyskitLibExtender',
      'package lib.syskit.kubernetes\n\nextra(obj) := obj.kind\n\nviolation contains {"msg": "x"} if false\n',
      'v1',
    );
    const catalog = loadPolicies().map((r) => r.template);
    expect(await checkTemplates([...catalog, user, extender], { opaPath })).toEqual([
      {
        template: 'syskitlibuser',
        message: 'rego line 6: rego_type_error: undefined function data.lib.syskit.kubernetes.extra',
      },
    ]);
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
