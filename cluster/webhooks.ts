/**
 * How the platform's admission webhooks are registered in the local cluster: each runs as a
 * process on the host's loopback and the API server calls it by `url:`, trusting the cluster's CA.
 *
 * Every webhook fails closed (`failurePolicy: Fail`) with a short `timeoutSeconds`: an object the
 * platform could not check is refused at once, naming the webhook, rather than admitted unchecked
 * or left waiting, which is what a production cluster with these add-ons does.
 */

/** Seconds the API server waits for a webhook before refusing the request. */
export const WEBHOOK_TIMEOUT_SECONDS = 5;

export interface WebhookRule {
  readonly apiGroups: readonly string[];
  readonly apiVersions: readonly string[];
  readonly operations: readonly string[];
  readonly resources: readonly string[];
  /** @default '*' */
  readonly scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface WebhookOptions {
  /** The configuration object's name. */
  readonly configName: string;
  /** The webhook's own name, which the API server quotes when it fails (`validation.gatekeeper.sh`). */
  readonly webhookName: string;
  /** `https://127.0.0.1:<port>/<path>`. */
  readonly url: string;
  /** PEM of the CA that signed the webhook's serving certificate. */
  readonly caBundle: string;
  readonly rules: readonly WebhookRule[];
  /** @default - every namespace */
  readonly namespaceSelector?: Record<string, unknown>;
  /** @default - every object */
  readonly objectSelector?: Record<string, unknown>;
  /** @default WEBHOOK_TIMEOUT_SECONDS */
  readonly timeoutSeconds?: number;
}

function webhook(opts: WebhookOptions): Record<string, unknown> {
  return {
    name: opts.webhookName,
    admissionReviewVersions: ['v1'],
    clientConfig: { url: opts.url, caBundle: Buffer.from(opts.caBundle).toString('base64') },
    rules: opts.rules.map((r) => ({ scope: '*', ...r })),
    failurePolicy: 'Fail',
    sideEffects: 'None',
    timeoutSeconds: opts.timeoutSeconds ?? WEBHOOK_TIMEOUT_SECONDS,
    ...(opts.namespaceSelector ? { namespaceSelector: opts.namespaceSelector } : {}),
    ...(opts.objectSelector ? { objectSelector: opts.objectSelector } : {}),
  };
}

export function validatingWebhook(opts: WebhookOptions): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: opts.configName, labels: { 'app.kubernetes.io/managed-by': 'syskit-cluster' } },
    webhooks: [webhook(opts)],
  };
}

export function mutatingWebhook(opts: WebhookOptions): Record<string, unknown> {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: opts.configName, labels: { 'app.kubernetes.io/managed-by': 'syskit-cluster' } },
    webhooks: [{ ...webhook(opts), reinvocationPolicy: 'Never' }],
  };
}
