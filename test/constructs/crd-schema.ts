/**
 * Checks custom resources against the OpenAPI schemas of the upstream CRDs the way the API server
 * does for structural schemas: types, required fields, enums, patterns, bounds, and (what an
 * apply would silently prune) fields the schema does not know. CEL rules are not evaluated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  nullable?: boolean;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

export class CrdSchemas {
  private readonly schemas = new Map<string, Schema>();

  /** Reads every CustomResourceDefinition in the given files of the CRDs folder. */
  static load(dir: string, files: readonly string[]): CrdSchemas {
    const out = new CrdSchemas();
    for (const file of files) {
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'))) {
        const crd = doc.toJSON() as any;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        for (const version of crd.spec.versions) {
          if (version.served)
            out.schemas.set(
              `${crd.spec.group}/${version.name}/${crd.spec.names.kind}`,
              version.schema.openAPIV3Schema,
            );
        }
      }
    }
    return out;
  }

  /** Every problem with the object, as `<kind>/<name> <path>: <problem>`; empty when it is valid. */
  validate(object: Record<string, any>): string[] {
    const where = `${object.kind}/${object.metadata?.name}`;
    const schema = this.schemas.get(`${object.apiVersion}/${object.kind}`);
    if (!schema) return [`${where}: no served CRD version for ${object.apiVersion} ${object.kind}`];
    // ObjectMeta is validated by the API server itself, not by the CRD's schema.
    const metadata: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    return check(object, { ...schema, properties: { ...schema.properties, metadata } }, '').map(
      (problem) => `${where} ${problem}`,
    );
  }
}

function check(value: unknown, schema: Schema, at: string): string[] {
  const here = at || '.';
  if (value === null) return schema.nullable ? [] : [`${here}: null is not allowed`];
  if (schema.allOf) {
    const problems = schema.allOf.flatMap((s) => check(value, s, at));
    if (problems.length > 0) return problems;
  }
  for (const alternatives of [schema.anyOf, schema.oneOf]) {
    if (
      alternatives &&
      !alternatives.some(
        (s) => check(value, { ...s, 'x-kubernetes-preserve-unknown-fields': true }, at).length === 0,
      )
    ) {
      return [`${here}: matches none of the allowed shapes`];
    }
  }
  if (schema['x-kubernetes-int-or-string']) {
    return Number.isInteger(value) || typeof value === 'string'
      ? []
      : [`${here}: expected an integer or a string`];
  }
  const problems: string[] = [];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || Array.isArray(value)) return [`${here}: expected an object`];
      const record = value as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in record)) problems.push(`${at}.${key}: required`);
      for (const [key, v] of Object.entries(record)) {
        const property = schema.properties?.[key];
        if (property) problems.push(...check(v, property, `${at}.${key}`));
        else if (typeof schema.additionalProperties === 'object')
          problems.push(...check(v, schema.additionalProperties, `${at}.${key}`));
        else if (schema.additionalProperties !== true && !schema['x-kubernetes-preserve-unknown-fields']) {
          problems.push(`${at}.${key}: unknown field`);
        }
      }
      return problems;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${here}: expected an array`];
      if (schema.minItems !== undefined && value.length < schema.minItems)
        problems.push(`${here}: fewer than ${schema.minItems} items`);
      if (schema.maxItems !== undefined && value.length > schema.maxItems)
        problems.push(`${here}: more than ${schema.maxItems} items`);
      value.forEach((item, i) => schema.items && problems.push(...check(item, schema.items, `${at}[${i}]`)));
      return problems;
    case 'string':
      if (typeof value !== 'string') return [`${here}: expected a string, got ${JSON.stringify(value)}`];
      if (schema.pattern && !matches(schema.pattern, value))
        problems.push(`${here}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
      if (schema.minLength !== undefined && value.length < schema.minLength)
        problems.push(`${here}: shorter than ${schema.minLength}`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength)
        problems.push(`${here}: longer than ${schema.maxLength}`);
      break;
    case 'integer':
      if (!Number.isInteger(value)) return [`${here}: expected an integer, got ${JSON.stringify(value)}`];
      break;
    case 'number':
      if (typeof value !== 'number') return [`${here}: expected a number, got ${JSON.stringify(value)}`];
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return [`${here}: expected a boolean, got ${JSON.stringify(value)}`];
      break;
    default:
      break;
  }
  if (schema.enum && !schema.enum.includes(value))
    problems.push(`${here}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      problems.push(`${here}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      problems.push(`${here}: above ${schema.maximum}`);
  }
  return problems;
}

/** Go's RE2 patterns are mostly JavaScript-compatible; the few that are not are skipped. */
function matches(pattern: string, value: string): boolean {
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return true;
  }
}
