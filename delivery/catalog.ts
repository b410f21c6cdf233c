import { LABELS, resolve, type Environment, type Fleet, type ResolvedRoute, type System } from '../model';

/** A Backstage catalog entity, as `catalog-info.yaml` files hold them. */
export interface CatalogEntity {
  readonly apiVersion: 'backstage.io/v1alpha1';
  readonly kind: 'System' | 'Component' | 'API' | 'Resource' | 'Location';
  readonly metadata: {
    readonly name: string;
    readonly title?: string;
    readonly description?: string;
    readonly tags?: readonly string[];
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec: Readonly<Record<string, unknown>>;
}

const API_VERSION = 'backstage.io/v1alpha1';

/** Backstage lifecycles: what runs in an environment whose policies deny is in production. */
function lifecycleOf(environments: readonly Environment[]): 'production' | 'experimental' {
  return environments.some((e) => !e.ephemeral && e.policy.enforcement === 'deny')
    ? 'production'
    : 'experimental';
}

/** Entity names are unique per kind; services and topics are unique per system only. */
export const componentName = (system: string, workload: string) => `${system}-${workload}`;
export const databaseName = (system: string) => `${system}-database`;
export const topicName = (system: string, topic: string) => `${system}-topic-${topic}`;
export const apiName = (system: string, service: string, host: string) => `${system}-${service}-${host}`;

/**
 * The Backstage entities of a fleet, per system: a `System`; a `Component` per service and job,
 * owned by the system's owner, depending on what it calls, its database and its topics; an `API`
 * per public host of a service, whose definition is an OpenAPI document of its routes; and a
 * `Resource` for the database and for each topic. The lifecycle says whether the fleet runs the
 * system in production (an environment whose policies deny), the environments are tags.
 */
export function catalogEntities(
  fleet: Fleet,
  selection: { systems?: readonly System[]; environments?: readonly Environment[] } = {},
): Map<string, CatalogEntity[]> {
  const chosen = selection.environments ?? fleet.environments;
  const longLived = chosen.filter((e) => !e.ephemeral);
  const environments = longLived.length > 0 ? longLived : chosen;
  const lifecycle = lifecycleOf(environments);
  const out = new Map<string, CatalogEntity[]>();
  for (const system of [...(selection.systems ?? fleet.systems)].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    out.set(system.name, systemEntities(system, fleet, environments, lifecycle));
  }
  return out;
}

function systemEntities(
  system: System,
  fleet: Fleet,
  environments: readonly Environment[],
  lifecycle: string,
): CatalogEntity[] {
  const owner = `group:${system.owner}`;
  const tags = environments.map((e) => e.name);
  const resolved = environments.map((env) => ({ env, system: resolve(system, env, fleet) }));
  const entities: CatalogEntity[] = [
    {
      apiVersion: API_VERSION,
      kind: 'System',
      metadata: { name: system.name, description: system.description, tags },
      spec: { owner },
    },
  ];
  // Routes grouped by service and declared host label; each group is one API, served on that
  // host in every environment.
  const apis = new Map<
    string,
    { service: string; host: string; servers: Set<string>; routes: ResolvedRoute[] }
  >();
  for (const [service, declared] of Object.entries(system.services)) {
    (declared.routes ?? []).forEach((route, i) => {
      const host = route.host ?? system.name;
      const name = apiName(system.name, service, host);
      const api = apis.get(name) ?? { service, host, servers: new Set<string>(), routes: [] };
      for (const { system: r } of resolved) {
        const found = r.services.find((s) => s.name === service)!.routes[i];
        api.servers.add(`https://${found.host}`);
        if (r === resolved[0].system) api.routes.push(found);
      }
      apis.set(name, api);
    });
  }
  const first = resolved[0].system;
  for (const workload of [...first.services, ...first.jobs]) {
    const isService = workload.kind === 'service';
    const dependsOn = [
      ...workload.calls.map((c) => `component:${componentName(c.system, c.service)}`),
      ...(workload.database ? [`resource:${databaseName(system.name)}`] : []),
      ...workload.publishes.map((t) => `resource:${topicName(system.name, t)}`),
      ...workload.consumes.map((t) => `resource:${topicName(t.system, t.topic)}`),
    ];
    const provides = [...apis].filter(([, a]) => a.service === workload.name).map(([name]) => `api:${name}`);
    entities.push({
      apiVersion: API_VERSION,
      kind: 'Component',
      metadata: {
        name: componentName(system.name, workload.name),
        title: workload.name,
        tags,
        annotations: {
          // Backstage's Kubernetes plugin finds the workload's objects by the labels syskit writes.
          'backstage.io/kubernetes-label-selector': `${LABELS.system}=${system.name},${LABELS.name}=${workload.name}`,
        },
      },
      spec: {
        type: isService ? 'service' : 'job',
        lifecycle,
        owner,
        system: system.name,
        ...(provides.length > 0 ? { providesApis: provides } : {}),
        ...(dependsOn.length > 0 ? { dependsOn: [...new Set(dependsOn)].sort() } : {}),
      },
    });
  }
  for (const [name, api] of apis) {
    entities.push({
      apiVersion: API_VERSION,
      kind: 'API',
      metadata: {
        name,
        title: `${api.service} on ${api.host}`,
        description: `Public routes of ${system.name}/${api.service} through the platform's gateway`,
        tags,
      },
      spec: {
        type: 'openapi',
        lifecycle,
        owner,
        system: system.name,
        definition: JSON.stringify(
          openApi(system, api.service, [...api.servers].sort(), api.routes),
          null,
          2,
        ),
      },
    });
  }
  if (system.database) {
    entities.push(
      resource(
        databaseName(system.name),
        'database',
        `PostgreSQL database of ${system.name}`,
        owner,
        system.name,
      ),
    );
  }
  for (const topic of Object.keys(system.topics ?? {}).sort()) {
    entities.push(
      resource(topicName(system.name, topic), 'kafka-topic', `Kafka topic ${topic}`, owner, system.name),
    );
  }
  return entities;
}

function resource(
  name: string,
  type: string,
  description: string,
  owner: string,
  system: string,
): CatalogEntity {
  return {
    apiVersion: API_VERSION,
    kind: 'Resource',
    metadata: { name, description },
    spec: { type, owner, system },
  };
}

/**
 * The OpenAPI document of a service's routes on one host: each route is a path prefix at the
 * gateway, so it is listed as the prefix with the methods it admits and the JWT requirement.
 */
function openApi(
  system: System,
  service: string,
  servers: readonly string[],
  routes: readonly ResolvedRoute[],
): Record<string, unknown> {
  const methods = (r: ResolvedRoute) =>
    r.methods ?? ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
  return {
    openapi: '3.0.3',
    info: { title: `${system.name}/${service}`, version: '1' },
    servers: servers.map((url) => ({ url })),
    components: { securitySchemes: { jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths: Object.fromEntries(
      routes.map((r) => [
        r.path,
        Object.fromEntries(
          methods(r).map((m) => [
            m.toLowerCase(),
            {
              summary: `${m} ${r.path} (and below)`,
              ...(r.auth === 'jwt' ? { security: [{ jwt: [] }] } : {}),
              responses: { default: { description: `answered by ${service}` } },
            },
          ]),
        ),
      ]),
    ),
  };
}

/** A Location entity listing the per-system files, so Backstage registers them from one URL. */
export function catalogLocation(files: readonly string[]): CatalogEntity {
  return {
    apiVersion: API_VERSION,
    kind: 'Location',
    metadata: { name: 'syskit', description: 'Systems declared with syskit' },
    spec: { type: 'file', targets: files.map((f) => `./${f}`) },
  };
}
