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
 */
export function toYaml(documents: readonly unknown[]): string {
  return documents.map(writeDocument).join('---\n');
}

function writeDocument(document: unknown): string {
  // Kubernetes objects are mappings; a bare scalar or list (no object) is written as js-yaml writes it.
  if (document === null || typeof document !== 'object' || Array.isArray(document))
    return dumpPlain(document);
  let blocks: string[] = [];
  let token = `${TOKEN}z`;
  let clash = false;
  let stripped = setBlocksAside(
    document,
    (text) => `${token}${blocks.push(text) - 1}`,
    (text) => (clash ||= text.includes(TOKEN)),
  );
  if (blocks.length === 0) return dumpPlain(document);
  if (clash) {
    // The document holds the token's word itself: a longer token that it does not hold.
    token = tokenFor(document);
    blocks = [];
    stripped = setBlocksAside(
      document,
      (text) => `${token}${blocks.push(text) - 1}`,
      () => false,
    );
  }
  return dumpPlain(stripped).replace(
    new RegExp(`^( *)((?:- )*)(.*)${token}(\\d+)$`, 'gm'),
    (_, spaces: string, dashes: string, key: string, i: string) =>
      literalBlock(
        `${spaces}${dashes}${key}`,
        spaces.length + dashes.length + (key === '' ? 0 : 2),
        blocks[+i],
      ),
  );
}

function dumpPlain(value: unknown): string {
  return dump(value, { lineWidth: -1, noRefs: true, schema: SCHEMA });
}

const TOKEN = 'syskitblock';

/**
 * js-yaml writes a multi-line string that holds a tab as one double-quoted line of escapes. Rego
 * is indented with tabs, so such strings (the Gatekeeper templates, the OPA authorizer's
 * ConfigMap) are set aside, a plain token written in their place, and the token replaced by a
 * literal block afterwards: policies stay readable, at js-yaml's speed. Copies only what holds
 * such a string; `seen` gets every other string and key, to check the token against.
 */
function setBlocksAside(
  value: unknown,
  setAside: (text: string) => string,
  seen: (text: string) => void,
): unknown {
  if (typeof value === 'string') {
    if (isTabbedText(value)) return setAside(value);
    seen(value);
    return value;
  }
  if (Array.isArray(value)) {
    const items = value.map((v) => setBlocksAside(v, setAside, seen));
    return items.some((v, i) => v !== value[i]) ? items : value;
  }
  if (value !== null && typeof value === 'object') {
    let changed = false;
    const entries = Object.entries(value).map(([k, v]) => {
      seen(k);
      const written = setBlocksAside(v, setAside, seen);
      changed ||= written !== v;
      return [k, written] as const;
    });
    // fromEntries defines each key as its own, `__proto__` included.
    return changed ? Object.fromEntries(entries) : value;
  }
  return value;
}

/**
 * Multi-line text with a tab, and nothing a literal block cannot hold: no other control
 * characters, and no line of only spaces and tabs, which readers disagree on at the end of a block
 * (such text stays double-quoted).
 */
function isTabbedText(text: string): boolean {
  return text.includes('\t') && text.includes('\n') && LITERAL_SAFE.test(text) && !BLANK_LINE.test(text);
}

const BLANK_LINE = /^[ \t]+$/m;

const LITERAL_SAFE = /^[\t\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufeff\uff00-\ufffd]*$/u;

/** A plain word that occurs nowhere in the document, so that only the tokens it stands for match. */
function tokenFor(document: unknown): string {
  const json = JSON.stringify(document) ?? '';
  let token = TOKEN;
  while (json.includes(token)) token += 'x';
  return `${token}z`;
}

/**
 * `text` as a literal block after `head` (`key: `, `- ` or both), its lines at `indent` spaces:
 * two more than the column of the key, or than the dash of a list item, as YAML counts them.
 * Chomping keeps the trailing newlines exactly (`|-` none, `|` one, `|+` more); an indentation
 * indicator is written when the first line with content, or a line of spaces before it, starts
 * with a space, which a reader would otherwise take for indentation.
 */
function literalBlock(head: string, indent: number, text: string): string {
  const trailing = /\n*$/.exec(text)![0].length;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const indicator = /^(?: *\n)* /.test(text) ? '2' : '';
  const body = trailing === 0 ? text : text.slice(0, -1);
  const pad = ' '.repeat(indent);
  const lines = body.split('\n').map((line) => (line === '' ? '' : `${pad}${line}`));
  return `${head}|${indicator}${chomp}\n${lines.join('\n')}`;
}
