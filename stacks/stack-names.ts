/**
 * Where each environment's state lives. Long-lived environments have one stack per system and
 * one for the platform in the project `syskit`; ephemeral environments have one stack each in
 * the project `syskit-ephemeral`. The two projects never share a stack, so an ephemeral
 * environment cannot select, overwrite or collect a long-lived one's state whatever its name.
 */

/** The project of long-lived environments (dev, qa, staging, prod). */
export const PROJECT_NAME = 'syskit';

/** The project of ephemeral environments; its stacks are named after the environment. */
export const EPHEMERAL_PROJECT = 'syskit-ephemeral';

/** The part of a long-lived environment's stack names that holds its cluster-wide objects. */
export const PLATFORM_PART = 'platform';

/** `dev.platform`: the gateway, issuers, mesh defaults and policies of an environment. */
export function platformStackName(environment: string): string {
  return `${environment}.${PLATFORM_PART}`;
}

/** `dev.commerce`: one system in one long-lived environment. */
export function systemStackName(environment: string, system: string): string {
  return `${environment}.${system}`;
}

/** What a long-lived stack's name says it holds; undefined for a name syskit does not write. */
export function parseStackName(
  name: string,
):
  | { environment: string; part: 'platform' }
  | { environment: string; part: 'system'; system: string }
  | undefined {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)$/.exec(name);
  if (!match) return undefined;
  const [, environment, , part] = match;
  return part === PLATFORM_PART
    ? { environment, part: 'platform' }
    : { environment, part: 'system', system: part };
}

/**
 * Tags on every ephemeral stack. `env list` and `env gc` read these instead of each stack's
 * outputs (no state to download and decrypt), and `env down` and `env gc` refuse a stack that
 * does not carry `syskit:ephemeral`.
 */
export const EPHEMERAL_TAGS = {
  ephemeral: 'syskit:ephemeral',
  base: 'syskit:base',
  createdAt: 'syskit:created-at',
  expiresAt: 'syskit:expires-at',
  creator: 'syskit:creator',
} as const;
