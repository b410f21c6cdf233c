import { Construct } from 'constructs';
import { KongPlugin } from './imports/configuration.konghq.com';
import {
  HttpRoute,
  HttpRouteSpecRulesMatchesMethod,
  HttpRouteSpecRulesMatchesPathType,
} from './imports/gateway.networking.k8s.io';
import { routeName as derivedRouteName, routeObjectNames } from '../model/derived-names';
import type { ResolvedRoute, ResolvedService, ResolvedSystem } from '../model';
import { PLATFORM } from './platform';

export interface GatewayRoutesProps {
  readonly system: ResolvedSystem;
  readonly service: ResolvedService;
}

/** Name of the KongConsumer that holds the identity provider's public key (see PlatformChart). */
export const IDENTITY_PROVIDER_CONSUMER = 'identity-provider';

/**
 * The edge of one service: a Gateway API HTTPRoute per declared route, attached to the
 * platform's Kong Gateway, with its Kong plugins as KongPlugin objects referenced by the
 * `konghq.com/plugins` annotation (the Kong ingress controller applies every plugin named
 * there to every request the route matches).
 *
 * Each route gets rate limiting and a request size limit; `jwt` validation unless the route
 * says `auth: 'none'`; CORS when it lists origins. The jwt plugin checks the token's
 * signature against the identity provider's public key, registered once per environment as
 * a KongConsumer credential whose key is the provider's issuer (the `iss` claim).
 */
export class GatewayRoutes extends Construct {
  constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id);
    const { service } = props;
    const names = routeObjectNames(
      service.name,
      service.routes.map((r) => r.path),
    );
    service.routes.forEach((route, i) => {
      const name = names[i];
      const plugins = this.plugins(name, route);
      new HttpRoute(this, name, {
        metadata: {
          name,
          annotations: { 'konghq.com/plugins': plugins.join(','), 'konghq.com/strip-path': 'false' },
        },
        spec: {
          parentRefs: [
            {
              group: 'gateway.networking.k8s.io',
              kind: 'Gateway',
              namespace: PLATFORM.gateway.namespace,
              name: PLATFORM.gateway.name,
              sectionName: PLATFORM.gateway.httpsListener,
            },
          ],
          hostnames: [route.host],
          rules: [
            {
              matches: (route.methods ?? [undefined]).map((method) => ({
                path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: route.path },
                ...(method ? { method: httpMethod(method) } : {}),
              })),
              backendRefs: [
                { group: '', kind: 'Service', name: service.name, port: service.port, weight: 1 },
              ],
            },
          ],
        },
      });
    });
  }

  private plugins(routeName: string, route: ResolvedRoute): string[] {
    const plugins: [string, string, Record<string, unknown>][] = [];
    if (route.auth === 'jwt') {
      plugins.push([
        'jwt',
        'jwt',
        {
          key_claim_name: 'iss',
          claims_to_verify: ['exp'],
          header_names: ['authorization'],
          run_on_preflight: false,
        },
      ]);
    }
    plugins.push([
      'rate-limit',
      'rate-limiting',
      { minute: route.rateLimitPerMinute, policy: 'local', limit_by: 'ip' },
    ]);
    plugins.push([
      'size-limit',
      'request-size-limiting',
      { allowed_payload_size: route.maxBodyMegabytes, size_unit: 'megabytes' },
    ]);
    if (route.corsOrigins) {
      plugins.push([
        'cors',
        'cors',
        {
          origins: [...route.corsOrigins],
          methods: [...(route.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']), 'OPTIONS'],
          headers: ['Authorization', 'Content-Type'],
          credentials: true,
          max_age: 3600,
        },
      ]);
    }
    return plugins.map(([suffix, plugin, config]) => {
      const name = `${routeName}-${suffix}`;
      new KongPlugin(this, name, {
        metadata: { name },
        plugin,
        config,
      });
      return name;
    });
  }
}

function httpMethod(method: string): HttpRouteSpecRulesMatchesMethod {
  const value = HttpRouteSpecRulesMatchesMethod[method as keyof typeof HttpRouteSpecRulesMatchesMethod];
  if (value === undefined) throw new Error(`HTTP method "${method}" is not one Gateway API matches`);
  return value;
}

/** `orders-v1-orders`: the service and the path, readable and stable. */
export function routeName(service: string, route: ResolvedRoute): string {
  return derivedRouteName(service, route.path);
}
