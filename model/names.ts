/**
 * Kubernetes naming rules the model enforces up front, so that a name which would break an
 * object built from it is reported against the declaration instead of at apply time.
 */

/** RFC 1123 label: what Namespace, Service and most object names must be. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** RFC 1035 label: Service names must also start with a letter. */
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Longest names the model accepts. Derived objects add suffixes (`<system>-<pr-env>` namespaces,
 * `<service>-<n>` Jobs of a CronJob, `<system>-<service>` Kafka users and Vault roles), and label
 * values stop at 63 characters, so each kind of name keeps headroom for what is built from it.
 */
export const MAX_NAME = {
  system: 30,
  service: 40,
  job: 40,
  topic: 60,
  environment: 20,
} as const;

/** Levenshtein distance, for "did you mean" hints on misspelt references. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

/** The closest candidate within a small edit distance, or undefined when nothing is close. */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 3)) + 1;
  for (const candidate of candidates) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const hint = closest(name, candidates);
  return hint === undefined ? '' : ` (did you mean "${hint}"?)`;
}

/**
 * Namespaces that belong to Kubernetes or to the platform's components. A system named after one
 * would write a second Namespace object over it, a default-deny policy over its pods, and could
 * take the identity of a platform service account (the gateway's, say).
 */
export const RESERVED_NAMESPACES = [
  'default',
  'kube-system',
  'kube-public',
  'kube-node-lease',
  'kong',
  'istio-system',
  'linkerd',
  'gatekeeper-system',
  'cert-manager',
  'cnpg-system',
  'monitoring',
] as const;
