/**
 * The sidecar injector's configuration, generated the way Istio's `istiod` Helm chart generates
 * its `istio-sidecar-injector` ConfigMap (templates/istiod-injector-configmap.yaml), from the
 * chart files of the very module version istiod is built from: Istio's own injection template,
 * its own defaults (values.yaml), then the platform's Helm values on top, as `helm install`
 * would merge them. No template is copied into this repository.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { moduleDir, pinnedToolVersion } from './go-module';

export const ISTIO_MODULE = 'istio.io/istio';

export interface InjectionOptions {
  /**
   * The platform's Helm values for the istiod chart (what the add-ons stack installs), merged
   * over the chart's defaults.
   * @default - the chart's defaults
   */
  readonly values?: Record<string, unknown>;
}

/** The two files istiod reads from `./var/lib/istio/inject/`, and its mesh configuration. */
export interface InjectionFiles {
  /** The ConfigMap's `config` key: templates and injection policy (YAML). */
  readonly config: string;
  /** The ConfigMap's `values` key: the chart values the templates read (JSON). */
  readonly values: string;
  /** The mesh configuration (`meshConfig` of the values), for `--meshConfig`. */
  readonly mesh: string;
}

type Values = Record<string, unknown>;

const isObject = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Helm's merge of values files: maps merge key by key, anything else is replaced. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? mergeValues(out[key] as Values, value) : value;
  }
  return out;
}

function pick(values: Values, keys: readonly string[]): Values {
  return Object.fromEntries(keys.filter((k) => k in values).map((k) => [k, values[k]]));
}

/** The istio-discovery chart of the pinned module. */
export async function istioChartDir(): Promise<string> {
  const dir = path.join(
    await moduleDir(ISTIO_MODULE, pinnedToolVersion('pilot-discovery')),
    'manifests',
    'charts',
    'istio-control',
    'istio-discovery',
  );
  if (!fs.existsSync(path.join(dir, 'files', 'injection-template.yaml'))) {
    throw new Error(`no Istio injection template under ${dir}`);
  }
  return dir;
}

/** Render the injector's files from the chart in `chartDir` and the platform's values. */
export function renderInjectionFiles(chartDir: string, opts: InjectionOptions = {}): InjectionFiles {
  const chartValues = parse(fs.readFileSync(path.join(chartDir, 'values.yaml'), 'utf8')) as Values;
  // The chart keeps its defaults under this key and merges user values over them (zzz_profile.yaml).
  const defaults = chartValues._internal_defaults_do_not_set;
  if (!isObject(defaults)) throw new Error(`${chartDir}/values.yaml: no _internal_defaults_do_not_set`);
  const values = mergeValues(defaults, opts.values ?? {});
  const global = (values.global ?? {}) as Values;
  const proxy = (global.proxy ?? {}) as Values;
  const injector = (values.sidecarInjectorWebhook ?? {}) as Values;

  // The `values` key: the top-level fields the templates read, as the chart picks them.
  const injectionValues: Values = {
    ...pick(values, ['global', 'sidecarInjectorWebhook', 'revision']),
    pilot: pick(values, ['cni', 'env']),
    gateways: pick((values.gateways ?? {}) as Values, ['securityContext', 'seccompProfile']),
  };

  const file = (name: string) => fs.readFileSync(path.join(chartDir, 'files', name), 'utf8').trim() + '\n';
  const ownTemplates = (injector.templates ?? {}) as Values;
  const builtIn: Record<string, string> = {
    sidecar: 'injection-template.yaml',
    gateway: 'gateway-injection-template.yaml',
    'grpc-simple': 'grpc-simple.yaml',
    'grpc-agent': 'grpc-agent.yaml',
    waypoint: 'waypoint.yaml',
    'kube-gateway': 'kube-gateway.yaml',
  };
  const templates: Values = {};
  for (const [name, fileName] of Object.entries(builtIn)) {
    if (!(name in ownTemplates) && fs.existsSync(path.join(chartDir, 'files', fileName))) {
      templates[name] = file(fileName);
    }
  }
  Object.assign(templates, ownTemplates);
  const config = {
    defaultTemplates: (injector.defaultTemplates as string[] | undefined)?.length
      ? injector.defaultTemplates
      : ['sidecar'],
    policy: proxy.autoInject ?? 'enabled',
    alwaysInjectSelector: injector.alwaysInjectSelector ?? [],
    neverInjectSelector: injector.neverInjectSelector ?? [],
    injectedAnnotations: injector.injectedAnnotations ?? {},
    templates,
  };
  return {
    config: stringify(config, { lineWidth: 0 }),
    values: JSON.stringify(injectionValues, null, 2) + '\n',
    mesh: stringify(values.meshConfig ?? {}, { lineWidth: 0 }),
  };
}
