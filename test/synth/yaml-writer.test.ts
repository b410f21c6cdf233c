import fc from 'fast-check';
import { load } from 'js-yaml';
import { parseAllDocuments } from 'yaml';
import { loadDeclarations, DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS } from '../../synth/load';
import { plan } from '../../synth/plan';
import { renderPlatform, renderPlatformObjects, renderSystem, renderSystemObjects } from '../../synth/render';
import { toYaml } from '../../synth/yaml-writer';
import { fleetHostnames, resolve } from '../../model';

/** Every document of a YAML file as Kubernetes reads it (YAML 1.1) and as YAML 1.2 readers do. */
function readBack(text: string): { yaml11: unknown[]; yaml12: unknown[] } {
  return {
    yaml11: parseAllDocuments(text, { version: '1.1' }).map((d) => d.toJS()),
    yaml12: parseAllDocuments(text).map((d) => d.toJS()),
  };
}

describe('toYaml', () => {
  it('writes block style in the order of the keys, strings unfolded, text as literal blocks', () => {
    const text = toYaml([
      {
        kind: 'ConfigMap',
        metadata: { name: 'settings', labels: { 'app.kubernetes.io/name': 'orders' } },
        data: {
          long: 'x'.repeat(200),
          script: 'line one\nline two\n',
          enabled: 'true',
          port: '8080',
          empty: '',
        },
      },
      { kind: 'List', items: [] },
    ]);
    expect(text).toBe(
      [
        'kind: ConfigMap',
        'metadata:',
        '  name: settings',
        '  labels:',
        '    app.kubernetes.io/name: orders',
        'data:',
        `  long: ${'x'.repeat(200)}`,
        '  script: |',
        '    line one',
        '    line two',
        "  enabled: 'true'",
        "  port: '8080'",
        "  empty: ''",
        '---',
        'kind: List',
        'items: []',
        '',
      ].join('\n'),
    );
  });

  it('quotes strings that Kubernetes would read as booleans, numbers, nulls or dates', () => {
    const risky = [
      'on',
      'off',
      'yes',
      'no',
      'y',
      'n',
      'Y',
      'N',
      'On',
      'NO',
      'true',
      'False',
      'null',
      '~',
      '',
      '0755',
      '0o755',
      '0x1F',
      '0b101',
      '1_000',
      '1_0.5',
      '1e3',
      'e3',
      '.',
      '.5',
      '.inf',
      '-.Inf',
      '.NaN',
      '12:30',
      '190:20:30',
      '2001-12-14',
      '2001-12-14 21:59:43.10 -5',
      '<<',
      '=',
      '-',
      '+1',
      '-0',
    ];
    const text = toYaml([{ data: Object.fromEntries(risky.map((s, i) => [`k${i}`, s])), list: risky }]);
    const { yaml11, yaml12 } = readBack(text);
    const expected = [{ data: Object.fromEntries(risky.map((s, i) => [`k${i}`, s])), list: risky }];
    expect(yaml11).toEqual(expected);
    expect(yaml12).toEqual(expected);
    expect([load(text)]).toEqual(expected);
  });

  it('writes tabbed text as a literal block at the depth of its key or list item', () => {
    const rego = 'package x\n\tallow := true\n';
    const docs = [
      {
        rego,
        '0o0': '0o17',
        targets: [{ target: 'admission', code: [{ source: { rego: 'a\n\tb' } }] }],
        nested: [['\tx\n\ny\n\n']],
      },
    ];
    const text = toYaml(docs);
    expect(text).toBe(
      [
        'rego: |',
        '  package x',
        '  \tallow := true',
        "'0o0': '0o17'",
        'targets:',
        '  - target: admission',
        '    code:',
        '      - source:',
        '          rego: |-',
        '            a',
        '            \tb',
        'nested:',
        '  - - |+',
        '      \tx',
        '',
        '      y',
        '',
        '',
      ].join('\n'),
    );
    expect(readBack(text).yaml11).toEqual(docs);
    expect(readBack(text).yaml12).toEqual(docs);
    expect([load(text)]).toEqual(docs);
  });

  it('writes strings that look like the placeholder of tabbed text as they are', () => {
    const docs = [{ a: 'syskitblockz0', b: 'syskitblockxz1', c: 'x\n\ty\n' }];
    const text = toYaml(docs);
    expect(text).toBe('a: syskitblockz0\nb: syskitblockxz1\nc: |\n  x\n  \ty\n');
    expect([load(text)]).toEqual(docs);
    // A key named __proto__ stays a key of the document, not its prototype.
    const proto = [JSON.parse('{"__proto__": {"rego": "x\\n\\ty"}}') as Record<string, unknown>];
    expect(toYaml(proto)).toBe('__proto__:\n  rego: |-\n    x\n    \ty\n');
  });

  it('keeps the leading spaces of tabbed text whose first line with content starts with one', () => {
    // Found by the property below: written as a block scalar without an indentation indicator,
    // a reader took the first content line's space for indentation and dropped it.
    const docs = [{ rego: 'package x\n\tallow := true\n', a: '\n \t\n', b: ' \t\n', c: '\n\n  x\t\n' }];
    const text = toYaml(docs);
    expect(readBack(text).yaml11).toEqual(docs);
    expect(readBack(text).yaml12).toEqual(docs);
    expect([load(text)]).toEqual(docs);
  });

  it('reads back to the same values under YAML 1.1 and 1.2, whatever the strings, keys and numbers', () => {
    const numberLike = fc.stringMatching(/^[-+0-9_.:eExXbBoO~ynYN]{0,8}$/);
    const key = fc.oneof(fc.string(), numberLike);
    // Text indented with tabs, like Rego: written as literal blocks, whatever its first line and
    // its trailing newlines.
    const tabbedText = fc
      .tuple(
        fc.array(fc.stringMatching(/^[\t a-z{}:=#-]{0,12}$/), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 0, max: 3 }),
      )
      .map(([lines, newlines]) => `${lines.join('\n')}\t${'\n'.repeat(newlines)}`);
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.string(),
        numberLike,
        tabbedText,
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(key, value, { maxKeys: 6 }), { minLength: 1, maxLength: 3 }),
        (docs) => {
          const text = toYaml(docs);
          const { yaml11, yaml12 } = readBack(text);
          // JSON text compares key order and every value exactly, as a reader of the file would
          // see them, tabbed multi-line text (Rego) written as literal blocks included.
          expect(JSON.stringify(yaml11)).toBe(JSON.stringify(docs));
          expect(JSON.stringify(yaml12)).toBe(JSON.stringify(docs));
          expect(toYaml(docs)).toBe(text);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('rendered manifests', () => {
  const { fleet } = plan(loadDeclarations(DEFAULT_SYSTEMS), loadDeclarations(DEFAULT_ENVIRONMENTS));

  it('read back to exactly the objects cdk8s synthesizes, for every example system and environment', () => {
    for (const env of fleet.environments) {
      for (const system of fleet.systems) {
        const resolved = resolve(system, env, fleet);
        const text = renderSystem(resolved);
        const { yaml11 } = readBack(text);
        expect({ env: env.name, system: system.name, objects: yaml11 }).toEqual({
          env: env.name,
          system: system.name,
          objects: renderSystemObjects(resolved),
        });
        expect(renderSystem(resolved)).toBe(text);
      }
    }
  });

  it('of the platform, Rego included, read back to exactly the objects cdk8s synthesizes', () => {
    for (const env of fleet.environments) {
      const hostnames = fleetHostnames(fleet.systems, env);
      const text = renderPlatform(env, hostnames);
      const { yaml11, yaml12 } = readBack(text);
      const objects = renderPlatformObjects(env, hostnames);
      expect({ env: env.name, objects: yaml11 }).toEqual({ env: env.name, objects });
      expect({ env: env.name, objects: yaml12 }).toEqual({ env: env.name, objects });
    }
  });

  it('keep the Rego of the platform policies readable as literal blocks', () => {
    const env = fleet.environments[0];
    const text = renderPlatform(env, fleetHostnames(fleet.systems, env));
    expect(text).toContain('kind: ConstraintTemplate');
    expect(text).toMatch(/rego: \|-?\n\s+package syskit\.rules\./);
    expect(text).not.toMatch(/rego: "package/);
  });
});
