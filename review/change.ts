import type { Risk } from './risk';

/** A value a change kind reads from the model: plain JSON, so it prints and compares as data. */
export type Fact =
  string | number | boolean | readonly string[] | { readonly [key: string]: Fact | undefined };

/** One reviewed difference: what kind, about what, from what to what, and how risky. */
export interface Change {
  /** The change kind (`call`, `route.auth`, `database`, `replicas`, ...), see review/system-kinds.ts. */
  readonly kind: string;
  readonly category: Category;
  /** What changed, stable across both sides: `commerce/orders -> commerce/payments`. */
  readonly subject: string;
  /** `null` when the subject did not exist before. */
  readonly before: Fact | null;
  /** `null` when the subject no longer exists. */
  readonly after: Fact | null;
  readonly risk: Risk;
}

export type Category = 'security' | 'sizing' | 'config';

/**
 * One row of a change-kind table: how to read facts of one kind from one side, and how risky a
 * difference between two facts is. Adding a field to the model means adding a row.
 */
export interface ChangeKind<Scope> {
  readonly kind: string;
  readonly category: Category;
  /**
   * `presence`: only subjects that appear or disappear are changes (their attributes have rows
   * of their own); `value`: only subjects on both sides whose value differs; `both`: either.
   */
  readonly compare: 'presence' | 'value' | 'both';
  /** The facts of one side, by subject. */
  facts(scope: Scope): ReadonlyMap<string, Fact>;
  /**
   * What a missing subject means, when it has a meaning of its own (`none` for database access).
   * @default - a missing subject is `null`
   */
  readonly absent?: Fact;
  /** The risk of going from `before` to `after` (either may be `undefined`: absent). */
  risk(before: Fact | undefined, after: Fact | undefined): Risk;
}

/** Compares two sides kind by kind, in table order, subjects sorted. */
export function compareFacts<Scope>(
  kinds: readonly ChangeKind<Scope>[],
  before: Scope | undefined,
  after: Scope | undefined,
): Change[] {
  const changes: Change[] = [];
  for (const kind of kinds) {
    const b = before === undefined ? new Map<string, Fact>() : kind.facts(before);
    const a = after === undefined ? new Map<string, Fact>() : kind.facts(after);
    const subjects = [...new Set([...b.keys(), ...a.keys()])].sort(byText);
    for (const subject of subjects) {
      const vb = b.get(subject);
      const va = a.get(subject);
      const present = vb !== undefined && va !== undefined;
      if (kind.compare === 'presence' && present) continue;
      if (kind.compare === 'value' && !present) continue;
      const shownBefore = vb ?? kind.absent;
      const shownAfter = va ?? kind.absent;
      if (sameFact(shownBefore, shownAfter)) continue;
      changes.push({
        kind: kind.kind,
        category: kind.category,
        subject,
        before: shownBefore ?? null,
        after: shownAfter ?? null,
        risk: kind.risk(vb, va),
      });
    }
  }
  return changes;
}

export function sameFact(a: Fact | undefined, b: Fact | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Code-point order, so output is the same on every machine. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
