import type { Environment } from './environment';
import type { Issue } from './issues';
import { routeHost } from './naming';

/**
 * Route paths as the gateway compares them. Gateway API matches a `PathPrefix` element by
 * element and ignores a trailing slash (`/v1/orders/` and `/v1/orders` are one prefix), Kong
 * decodes percent-encoded characters before matching, and the HTTPRoute CRD refuses `//`,
 * `/./` and `/../`. Declarations are compared, and written, in the one form that survives all
 * three, so two spellings of a prefix can never slip past the check as two prefixes.
 */

/** Characters RFC 3986 calls unreserved: their percent-encoded and plain forms are the same path. */
const UNRESERVED = /^[A-Za-z0-9._~-]$/;

/** The canonical form of a route path, or why it has none. */
export type RoutePath = { readonly path: string } | { readonly problem: string };

export function normalizeRoutePath(raw: string): RoutePath {
  let decoded = '';
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] !== '%') {
      decoded += raw[i];
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    const char = /^[0-9A-Fa-f]{2}$/.test(hex) ? String.fromCharCode(parseInt(hex, 16)) : undefined;
    if (char === undefined || !UNRESERVED.test(char)) {
      return {
        problem: `path "${raw}" has "%${hex}", which is not an encoding of a letter, digit or "-._~"; routes match decoded paths, so write the path without it`,
      };
    }
    decoded += char;
    i += 2;
  }
  if (!decoded.startsWith('/')) return { problem: `path "${raw}" must start with "/"` };
  if (decoded.includes('//')) {
    return {
      problem: `path "${raw}" has an empty segment ("//"), which the gateway refuses; write "${resolveDots(decoded.split('/'))}"`,
    };
  }
  const segments = decoded.split('/').slice(1);
  // A trailing slash names the same prefix (Gateway API ignores it), except for the root.
  const inner =
    segments.length > 1 && segments[segments.length - 1] === '' ? segments.slice(0, -1) : segments;
  if (inner.some((s) => s === '.' || s === '..')) {
    return {
      problem: `path "${raw}" has a "." or ".." segment, which the gateway refuses; write the path it stands for, like "${resolveDots(inner)}"`,
    };
  }
  return { path: `/${inner.join('/')}` };
}

/** The path a client reaches through `.` and `..` segments, for the hint. */
function resolveDots(segments: readonly string[]): string {
  const out: string[] = [];
  for (const s of segments) {
    if (s === '..') out.pop();
    else if (s !== '.' && s !== '') out.push(s);
  }
  return `/${out.join('/')}`;
}

/** The canonical path, or the path as written when it has none (it is reported elsewhere). */
export function canonicalRoutePath(raw: string): string {
  const normalized = normalizeRoutePath(raw);
  return 'path' in normalized ? normalized.path : raw;
}

/** Whether every request under `inner` also falls under `outer` (element-wise prefixes). */
export function prefixCovers(outer: string, inner: string): boolean {
  return outer === '/' || inner === outer || inner.startsWith(`${outer}/`);
}

interface RouteLike {
  readonly host?: string;
  readonly path?: unknown;
  readonly allowShared?: boolean;
}
interface SystemLike {
  readonly name: string;
  readonly services: Readonly<Record<string, { readonly routes?: readonly RouteLike[] }>>;
}

/** Every route path that has no canonical form, at its declaration's path. */
export function routePathIssues(systems: readonly SystemLike[]): Issue[] {
  const issues: Issue[] = [];
  for (const system of systems) {
    for (const [serviceName, service] of Object.entries(system.services)) {
      (service.routes ?? []).forEach((route, i) => {
        if (typeof route.path !== 'string') return;
        const normalized = normalizeRoutePath(route.path);
        if ('problem' in normalized) {
          issues.push({
            path: `${system.name}.services.${serviceName}.routes[${i}].path`,
            message: normalized.problem,
          });
        }
      });
    }
  }
  return issues;
}

interface PlacedRoute {
  readonly system: string;
  /** Which environment's routes: an ephemeral one is checked against its base's too. */
  readonly view: string;
  readonly at: string;
  readonly host: string;
  readonly path: string;
  readonly allowShared: boolean;
}

/**
 * Prefixes of different systems that nest on one host. The gateway sends a request to the
 * longest matching prefix, so a system declaring `/v1/orders` under another's `/v1` takes those
 * requests from it (and a system declaring `/v1` over another's paths receives everything they
 * do not match). Allowed only where the broader route says `allowShared: true`. Equal prefixes
 * are reported by the fleet's duplicate-route check.
 */
export function routeOverlapIssues(systems: readonly SystemLike[], env: Environment): Issue[] {
  // An ephemeral environment routes through its base's gateway, beside the base's own routes.
  const views: { env: Environment; label: string }[] = env.ephemeral
    ? [
        { env: { ...env, ephemeral: undefined }, label: 'long-lived environments' },
        { env, label: `environment ${env.name}` },
      ]
    : [{ env, label: `environment ${env.name}` }];
  const byHost = new Map<string, PlacedRoute[]>();
  for (const view of views) {
    for (const system of systems) {
      for (const [serviceName, service] of Object.entries(system.services)) {
        (service.routes ?? []).forEach((route, i) => {
          if (typeof route.path !== 'string') return;
          const normalized = normalizeRoutePath(route.path);
          if (!('path' in normalized)) return;
          const host = routeHost(system.name, route.host, view.env);
          const list = byHost.get(host) ?? [];
          list.push({
            system: system.name,
            view: view.label,
            at: `${system.name}.services.${serviceName}.routes[${i}]`,
            host,
            path: normalized.path,
            allowShared: route.allowShared === true,
          });
          byHost.set(host, list);
        });
      }
    }
  }
  const current = views[views.length - 1].label;
  const issues: Issue[] = [];
  for (const routes of byHost.values()) {
    // Shorter prefixes first, so each nested pair is seen once as (outer, inner).
    const sorted = [...routes].sort((a, b) => a.path.length - b.path.length);
    sorted.forEach((outer, i) => {
      for (const inner of sorted.slice(i + 1)) {
        if (outer.view !== current && inner.view !== current) continue;
        if (inner.view === outer.view && inner.system === outer.system) continue;
        const where = (r: PlacedRoute) => `${r.at} (system "${r.system}", ${r.view})`;
        if (inner.path === outer.path) {
          // Within one environment the fleet's duplicate-route check reports it.
          if (inner.view === outer.view) continue;
          const [mine, theirs] = inner.view === current ? [inner, outer] : [outer, inner];
          issues.push({
            path: mine.at,
            message: `route ${mine.host}${mine.path} in ${mine.view} is also the route of ${where(theirs)} on the same gateway; choose another host or environment name`,
          });
          continue;
        }
        if (!prefixCovers(outer.path, inner.path) || outer.allowShared) continue;
        issues.push({
          path: inner.at,
          message: `${inner.host}${inner.path} lies under ${outer.host}${outer.path} of ${where(outer)}${views.length > 1 ? ` (this route: ${inner.view})` : ''}: the gateway would send those requests here instead; choose a path outside it, or the owner of ${outer.path} writes allowShared: true on that route`,
        });
      }
    });
  }
  return issues;
}
