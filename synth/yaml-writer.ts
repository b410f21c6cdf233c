import { dump, DEFAULT_SCHEMA, Type } from 'js-yaml';

/**
 * Strings a YAML 1.1 reader would take for a number: digits with `_` separators (`1_000`), and the
 * loose float forms (`1_0.5`, `.`, `e3`). js-yaml writes YAML 1.2, where these are strings, and
 * leaves them unquoted; Kubernetes reads manifests as YAML 1.1 (kubectl and the API server), where
 * `1_000` is the integer 1000. Already quoted by js-yaml itself: the YAML 1.1 booleans (`on`,
 * `yes`, `n`), `~` and `null`, timestamps, sexagesimal numbers and `<<`.
 */
const YAML_1_1_NUMBER =
  /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|([0-9][0-9_]*)?(\.[0-9_]*)?([eE][-+]?[0-9]+)?)$/;

/**
 * A schema used only for writing: the implicit type below never matches a value to represent, it
 * only tells the writer that a string that reads as a YAML 1.1 number needs quotes.
 */
const SCHEMA = DEFAULT_SCHEMA.extend({
  implicit: [
    new Type('tag:yaml.org,2002:yaml-1.1-number', {
      kind: 'scalar',
      resolve: (text: string) => YAML_1_1_NUMBER.test(text),
    }),
  ],
});

/**
 * Kubernetes objects as one multi-document YAML file: block style, keys in the objects' order,
 * long strings never folded, multi-line strings as literal blocks, `---` between documents.
 * Deterministic for the same objects. js-yaml writes the same objects about four times faster
 * than the `yaml` package that cdk8s's `synthYaml` uses (bench/README.md), and reads back to
 * equal objects under YAML 1.1 and 1.2 (test/synth/yaml-writer.test.ts).
 *
 * js-yaml writes a multi-line string that holds a tab as one double-quoted line of escapes. Rego
 * is indented with tabs, so the documents carrying policies (Gatekeeper templates, the OPA
 * authorizer's ConfigMap) are written as cdk8s writes them, where Rego stays a readable literal
 * block; cdk8s is loaded already wherever such documents are rendered.
 */
export function toYaml(documents: readonly unknown[]): string {
  return documents
    .map((d) =>
      holdsTabbedText(d) ? cdk8sYaml(d) : dump(d, { lineWidth: -1, noRefs: true, schema: SCHEMA }),
    )
    .join('---\n');
}

function holdsTabbedText(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\t') && value.includes('\n');
  if (Array.isArray(value)) return value.some(holdsTabbedText);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsTabbedText);
  return false;
}

/**
 * One document as `App.synthYaml` writes it (the yaml package, YAML 1.1, no folding), with the
 * strings that YAML 1.2 would read as another type double-quoted too. The yaml package quotes
 * what YAML 1.1 would misread (`"true"`, `"1e3"`) but leaves `0o0` plain, which is a string in
 * YAML 1.1 and an octal number in 1.2; quoted, every reader takes it for the string it is. No
 * other byte differs from `Yaml.stringify`'s.
 */
function cdk8sYaml(document: unknown): string {
  // cdk8s's `Yaml.stringify` options; the yaml package is loaded already wherever cdk8s renders.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Document, isScalar, visit } = require('yaml') as typeof import('yaml');
  const options = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;
  const doc = new Document(document, options);
  visit(doc, {
    Scalar(_, node) {
      if (
        isScalar(node) &&
        typeof node.value === 'string' &&
        (readsAsNonStringInYaml12(node.value) || losesIndentAsBlock(node.value))
      )
        node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString(options);
}

/** Plain scalars that YAML 1.2's core schema resolves to null, a boolean or a number. */
const YAML_1_2_NON_STRINGS = [
  /^(?:~|[Nn]ull|NULL)?$/,
  /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/,
  /^0o[0-7]+$/,
  /^[-+]?[0-9]+$/,
  /^0x[0-9a-fA-F]+$/,
  /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/,
  /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/,
];

function readsAsNonStringInYaml12(text: string): boolean {
  return YAML_1_2_NON_STRINGS.some((pattern) => pattern.test(text));
}

/**
 * Multi-line text whose first line with content starts with a space: the yaml package can write
 * it as a block scalar without an indentation indicator, and a reader then takes that space for
 * indentation and drops it (`"\n \tx\n"` reads back as `"\n\tx\n"`).
 */
function losesIndentAsBlock(text: string): boolean {
  return text.includes('\n') && /^(?: *\n)* +[^ \n]/.test(text);
}
