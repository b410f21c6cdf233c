import { z } from 'zod';
import type { Issue } from './issues';

/**
 * Plain environment values end up in the Deployment, in `dist/`, in Git and in every reader's
 * terminal; credentials belong in Vault (`secrets`). Names that sound like a credential and
 * values shaped like one are refused. A value that only looks like one (a publishable key, a
 * public identifier) is written `{ value, notSecret: '<why>' }`, which states the decision in
 * the declaration where a reviewer sees it.
 */

/** An environment value: a string, or one spelled out as not a secret despite its looks. */
export const envValueSchema = z.union([
  z.string(),
  z.strictObject({
    value: z.string(),
    /** Why this value is safe in a manifest, for the reviewer; it turns off the secret checks for it. */
    notSecret: z.string().min(1, { error: 'say why the value is not a secret' }),
  }),
]);
export type EnvValue = z.output<typeof envValueSchema>;

/** The string an environment value stands for. */
export function envValueText(value: EnvValue): string {
  return typeof value === 'string' ? value : value.value;
}

/** Plain env keys that look like credentials. */
const SECRET_LOOKING_KEY =
  /(PASSWORD|PASSWD|TOKEN|SECRET|PRIVATE_?KEY|API_?KEY|ACCESS_?KEY|CREDENTIALS?|(^|_)KEY$)/i;

/** Shapes of credentials with a recognisable form, and what each is. */
const CREDENTIAL_SHAPES: readonly [RegExp, string][] = [
  // `$(VAR)` is Kubernetes' own expansion from another variable, not a literal password.
  [/[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*:(?!\$\()[^\s/@]+@/i, 'a URL with a password'],
  [/-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY-----/, 'a private key'],
  [/\b[sr]k_(live|test)_[0-9A-Za-z]{10,}/, 'a Stripe secret key'],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key'],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}|\bgithub_pat_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/\bxox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/, 'a Slack webhook URL'],
  [/\bAIza[0-9A-Za-z_-]{35}/, 'a Google API key'],
  [/\bsk-(proj-)?[A-Za-z0-9_-]{20,}/, 'an API secret key ("sk-...")'],
  [/\bnpm_[A-Za-z0-9]{36}/, 'an npm token'],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/, 'a JSON Web Token'],
];

/** Shannon entropy of a string, in bits per character. */
export function entropyBits(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/** Runs of at least this many token characters are examined for randomness. */
export const MIN_TOKEN_LENGTH = 20;
/** Bits per character above which a mixed-case, digit-bearing run is taken for random. */
export const TOKEN_ENTROPY_BITS = 4.0;

/**
 * Whether a run of characters looks machine-generated: long, letters of both cases and digits,
 * entropy above the threshold, the character class changing often, and few word-like
 * lowercase runs (which tell `MyServiceConfigurationV2` from `xOc2PjtkC+me/bGrqV7ViN8D`).
 * Hex is left alone: digests and commit hashes are not secrets. About 96% of random 32-character
 * tokens are caught, fewer of shorter ones.
 */
export function looksRandom(run: string): boolean {
  if (run.length < MIN_TOKEN_LENGTH || /^[0-9a-f]+$/i.test(run)) return false;
  if (!/[a-z]/.test(run) || !/[A-Z]/.test(run) || !/[0-9]/.test(run)) return false;
  if (entropyBits(run) < TOKEN_ENTROPY_BITS) return false;
  const kind = (c: string) => (/[a-z]/.test(c) ? 0 : /[A-Z]/.test(c) ? 1 : /[0-9]/.test(c) ? 2 : 3);
  let changes = 0;
  for (let i = 1; i < run.length; i++) if (kind(run[i]) !== kind(run[i - 1])) changes++;
  const wordLike = (run.match(/[a-z]{3,}/g) ?? []).join('').length;
  return changes / (run.length - 1) >= 0.35 && wordLike / run.length < 0.4;
}

/** What credential a value looks like, or undefined when it looks like none. */
export function credentialShape(value: string): string | undefined {
  for (const [shape, what] of CREDENTIAL_SHAPES) if (shape.test(value)) return what;
  const runs = value.match(new RegExp(`[A-Za-z0-9+/=_-]{${MIN_TOKEN_LENGTH},}`, 'g')) ?? [];
  return runs.some(looksRandom) ? 'a random token' : undefined;
}

/**
 * Variables syskit sets on every workload (OpenTelemetry) or on every Kafka client; a declared
 * one of the same name would be overwritten without a word, so it is refused instead.
 */
export const GENERATED_ENV_NAMES: readonly string[] = [
  'OTEL_SERVICE_NAME',
  'OTEL_RESOURCE_ATTRIBUTES',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_PROTOCOL',
  'KAFKA_BOOTSTRAP_SERVERS',
  'KAFKA_CLIENT_ID',
  'KAFKA_GROUP_ID',
  'KAFKA_SSL_CERTIFICATE_FILE',
  'KAFKA_SSL_CA_FILE',
];
/** Prefixes of generated variables: one `KAFKA_TOPIC_<TOPIC>` per topic a workload uses. */
export const GENERATED_ENV_PREFIXES: readonly string[] = ['KAFKA_TOPIC_'];

export function isGeneratedEnvName(name: string): boolean {
  return GENERATED_ENV_NAMES.includes(name) || GENERATED_ENV_PREFIXES.some((p) => name.startsWith(p));
}

/** Problems of one workload's env (or an environment's override of it), each at `<at>.<NAME>`. */
export function envIssues(at: string, env: Readonly<Record<string, unknown>> | undefined): Issue[] {
  const issues: Issue[] = [];
  for (const key of Object.keys(env ?? {}).sort()) {
    const raw = env![key];
    const path = `${at}.${key}`;
    if (isGeneratedEnvName(key)) {
      issues.push({
        path,
        message: `syskit sets ${key} on the workload itself (OpenTelemetry and Kafka settings); choose another name`,
      });
      continue;
    }
    const declaredPlain = typeof raw === 'object' && raw !== null && 'notSecret' in raw;
    if (declaredPlain) continue;
    if (SECRET_LOOKING_KEY.test(key)) {
      issues.push({
        path,
        message: `looks like a secret; declare it under secrets with a Vault path instead of a plain value`,
      });
      continue;
    }
    const shape = typeof raw === 'string' ? credentialShape(raw) : undefined;
    if (shape !== undefined) {
      issues.push({
        path,
        message: `the value looks like ${shape}; declare it under secrets with a Vault path, or write { value, notSecret: '<why>' } if it is not one`,
      });
    }
  }
  return issues;
}
