/**
 * Reads Pulumi's diagnostics for objects the API server refused because an admission webhook
 * could not be called (down, unreachable, too slow): which webhook, which object, and why, so a
 * failed apply says that in one line instead of a page of engine output.
 */

export interface WebhookFailure {
  /** The webhook's name, as the API server quotes it (`validation.gatekeeper.sh`). */
  readonly webhook: string;
  /** `<Kind> <name>` of the object Pulumi was writing, when the diagnostic names it. */
  readonly object?: string;
  /** The API server's reason (`connection refused`, `context deadline exceeded`). */
  readonly reason: string;
}

/** A Pulumi resource line: `kubernetes:core/v1:Namespace (commerce-namespace):`. */
const RESOURCE = /([\w-]+:[\w./-]*:(\w+))\s+\(([^)]+)\):?\s*$/;
const CALLING = /failed calling webhook "([^"]+)": (.*)$/;
const NAMED = /resource "?([\w./-]+)"? was not successfully (?:created|updated)/;

export function webhookFailures(text: string): WebhookFailure[] {
  const found = new Map<string, WebhookFailure>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    const resource = RESOURCE.exec(line.trim());
    if (resource) current = `${resource[2]} ${resource[3]}`;
    const calling = CALLING.exec(line);
    if (!calling) continue;
    const named = NAMED.exec(line);
    const kind = current?.split(' ')[0];
    const object = named && kind ? `${kind} ${named[1]}` : current;
    const reason = calling[2].replace(/^failed to call webhook: /, '').trim();
    const failure = { webhook: calling[1], object, reason };
    found.set(`${failure.webhook}|${failure.object}`, failure);
  }
  return [...found.values()];
}
