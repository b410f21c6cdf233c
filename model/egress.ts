import { z } from 'zod';
import type { Issue } from './issues';

/**
 * Calls to destinations outside the cluster (a card processor's API, a mail relay). Namespaces
 * deny all egress by default and the mesh refuses destinations it has no entry for
 * (`REGISTRY_ONLY`), so each destination is declared: it becomes a mesh entry (Istio
 * ServiceEntry, Linkerd egress route) and a NetworkPolicy rule for its port.
 */

/**
 * What is spoken to the destination. `https` and `tls` are told apart by the mesh from the TLS
 * handshake's server name, `http` by the Host header, `tcp` by the addresses the name resolves to.
 */
export const EGRESS_PROTOCOLS = ['https', 'tls', 'http', 'tcp'] as const;
export type EgressProtocol = (typeof EGRESS_PROTOCOLS)[number];

export const egressSchema = z.strictObject({
  /**
   * A DNS name (`api.payments.example`), a wildcard in the leftmost label only
   * (`*.payments.example`, not for tcp), or a CIDR block (`203.0.113.0/24`); never a bare IP.
   */
  host: z.string().min(1),
  port: z
    .number({ error: 'expected a port number' })
    .int({ error: 'port must be an integer' })
    .min(1, { error: 'port must be between 1 and 65535' })
    .max(65535, { error: 'port must be between 1 and 65535' }),
  /** @default 'https' */
  protocol: z.enum(EGRESS_PROTOCOLS).default('https'),
});
export type Egress = z.output<typeof egressSchema>;

const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const IPV4 =
  /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

/** Whether `text` is an IPv4 or IPv6 address (no prefix length). */
export function isIpAddress(text: string): boolean {
  return IPV4.test(text) || (text.includes(':') && /^[0-9a-fA-F:.]+$/.test(text));
}

/** Whether `text` is an IPv4 or IPv6 CIDR block such as `203.0.113.0/24`. */
export function isCidr(text: string): boolean {
  const slash = text.indexOf('/');
  if (slash < 0) return false;
  const [address, bits] = [text.slice(0, slash), text.slice(slash + 1)];
  if (!/^[0-9]{1,3}$/.test(bits) || !isIpAddress(address)) return false;
  return Number(bits) <= (address.includes(':') ? 128 : 32);
}

/** What is wrong with an egress host, or undefined when it is a destination the mesh can match. */
export function egressHostProblem(
  host: string,
  protocol: EgressProtocol,
  clusterDomain: string,
): string | undefined {
  if (isCidr(host)) return undefined;
  if (isIpAddress(host))
    return `"${host}" is an IP address; declare the block it belongs to as a CIDR (like "${host.includes(':') ? `${host}/128` : `${host}/32`}") so the rule says how wide it is`;
  if (host.length > 253) return `"${host}" is longer than the 253 characters of a DNS name`;
  const labels = host.split('.');
  const wildcard = labels[0] === '*';
  if (labels.some((l, i) => l.includes('*') && !(i === 0 && l === '*')))
    return `"${host}": a wildcard must be the whole leftmost label, like "*.payments.example" (the mesh matches nothing else)`;
  if (wildcard && protocol === 'tcp')
    return `"${host}": plain TCP carries no name to match a wildcard against; name the host exactly, or use https/tls`;
  const named = wildcard ? labels.slice(1) : labels;
  if (named.length < 2 || named.some((l) => !LABEL.test(l) || l.length > 63) || !/^[a-z]/.test(named.at(-1)!))
    return `"${host}" is not a DNS name like "api.payments.example" (lowercase labels of at most 63 characters, at least two of them)`;
  if (host.endsWith('.svc') || host.endsWith(`.${clusterDomain}`) || host.includes('.svc.'))
    return `"${host}" is inside the cluster; declare the service under calls instead`;
  return undefined;
}

interface WorkloadLike {
  readonly egress?: readonly {
    readonly host?: unknown;
    readonly port?: unknown;
    readonly protocol?: unknown;
  }[];
}
interface SystemLike {
  readonly name: string;
  readonly services: Readonly<Record<string, WorkloadLike>>;
  readonly jobs?: Readonly<Record<string, WorkloadLike>>;
}
interface EnvironmentLike {
  readonly name: string;
  readonly cluster: { readonly dnsDomain: string };
  readonly mesh: { readonly provider: string };
}

/** Egress problems of every workload, each at `<system>.<kind>.<name>.egress[<i>]...`. */
export function egressIssues(
  systems: readonly SystemLike[],
  environments: readonly EnvironmentLike[],
): Issue[] {
  const issues: Issue[] = [];
  const domains = [...new Set(['cluster.local', ...environments.map((e) => e.cluster.dnsDomain)])];
  const linkerd = environments.filter((e) => e.mesh.provider === 'linkerd').map((e) => e.name);
  for (const system of systems) {
    const workloads = [
      ...Object.entries(system.services).map(([n, w]) => [`services.${n}`, w] as const),
      ...Object.entries(system.jobs ?? {}).map(([n, w]) => [`jobs.${n}`, w] as const),
    ];
    for (const [where, workload] of workloads) {
      const seen = new Map<string, number>();
      (workload.egress ?? []).forEach((entry, i) => {
        const at = `${system.name}.${where}.egress[${i}]`;
        if (typeof entry.host !== 'string') return;
        const protocol = (typeof entry.protocol === 'string' ? entry.protocol : 'https') as EgressProtocol;
        const problem = domains
          .map((d) => egressHostProblem(entry.host as string, protocol, d))
          .find((p) => p !== undefined);
        if (problem) issues.push({ path: `${at}.host`, message: problem });
        const key = `${entry.host}:${entry.port}`;
        const first = seen.get(key);
        if (first !== undefined)
          issues.push({ path: at, message: `${key} is already declared at egress[${first}]` });
        else seen.set(key, i);
        if (linkerd.length > 0 && isCidr(entry.host))
          issues.push({
            path: `${at}.host`,
            message: `Linkerd (environment ${linkerd.join(', ')}) allows egress by TLS server name or HTTP host only, not by address block; name the host, or use the istio mesh there`,
          });
        if (protocol === 'tcp' && linkerd.length > 0)
          issues.push({
            path: `${at}.protocol`,
            message: `Linkerd (environment ${linkerd.join(', ')}) tells egress destinations apart by TLS server name or HTTP host only, so a tcp destination would open its port to every outside address; use tls, or the istio mesh there`,
          });
      });
    }
  }
  return issues;
}
