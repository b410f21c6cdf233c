import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Fleet } from '../../model';
import { cacheFile } from '../../synth/cache';
import { writeOutput } from '../../synth/engine';
import { fleetObjects, type FleetObjects } from '../../synth/fleet-objects';
import { DEFAULT_ENVIRONMENTS, DEFAULT_SYSTEMS, loadDeclarations } from '../../synth/load';
import { plan } from '../../synth/plan';
import { synthesize } from '../../synth/synthesize';

/** Per `<env>/<file>`, where its objects came from. */
function sources(found: FleetObjects): Record<string, string> {
  return Object.fromEntries(
    [...found.environments].flatMap(([env, files]) => files.map((f) => [`${env}/${f.file}`, f.from])),
  );
}

/** Per `<env>/<file>`, the objects, wherever they came from. */
function objects(found: FleetObjects): Record<string, unknown> {
  return Object.fromEntries(
    [...found.environments].flatMap(([env, files]) => files.map((f) => [`${env}/${f.file}`, f.documents])),
  );
}

const all = (fleet: Fleet, options: { output?: string } = {}) =>
  fleetObjects(fleet, fleet.environments, fleet.systems, options);

describe('fleetObjects', () => {
  const systemInputs = loadDeclarations(DEFAULT_SYSTEMS);
  const environmentInputs = loadDeclarations(DEFAULT_ENVIRONMENTS);
  const { fleet } = plan(systemInputs, environmentInputs);
  let rendered: FleetObjects;
  let tmp: string;
  let out: string;

  beforeAll(async () => {
    rendered = await all(fleet);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-fleet-objects-'));
  }, 120_000);
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
  beforeEach(async () => {
    out = fs.mkdtempSync(path.join(tmp, 'out-'));
    const { files } = await synthesize(fleet, fleet.environments, fleet.systems, { jobs: 1 });
    writeOutput(out, files);
  }, 120_000);

  it('renders every file when given no output folder', () => {
    const from = Object.values(sources(rendered));
    expect(from).toHaveLength(16);
    expect(new Set(from)).toEqual(new Set(['render']));
  });

  it("reads every file of a fresh synth's output, as exactly the objects it renders", async () => {
    const found = await all(fleet, { output: out });
    expect(new Set(Object.values(sources(found)))).toEqual(new Set(['output']));
    expect(found.warnings).toEqual([]);
    // JSON text compares the order of keys and documents too.
    expect(JSON.stringify(objects(found))).toBe(JSON.stringify(objects(rendered)));
  });

  it('renders again only the system whose declaration changed, in every environment', async () => {
    const changed = structuredClone(systemInputs) as Array<{ name: string; services: Record<string, any> }>;
    const commerce = changed.find((s) => s.name === 'commerce')!;
    commerce.services.catalog.replicas = 3;
    const { fleet: next } = plan(changed, environmentInputs);
    const found = await all(next, { output: out });
    const renderedAgain = Object.entries(sources(found))
      .filter(([, from]) => from === 'render')
      .map(([file]) => file)
      .sort();
    expect(renderedAgain).toEqual(['dev', 'prod', 'qa', 'staging'].map((env) => `${env}/commerce.yaml`));
    expect(JSON.stringify(objects(found))).toBe(JSON.stringify(objects(await all(next))));
    const catalog = found.environments
      .get('prod')!
      .find((f) => f.file === 'commerce.yaml')!
      .documents.find((d: any) => d.kind === 'Deployment' && d.metadata.name === 'catalog') as any;
    expect(catalog.spec.replicas).toBe(3);
  }, 120_000);

  it('does not trust a file edited by hand: renders it and says so', async () => {
    const file = path.join(out, 'prod', 'commerce.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/replicas: \d+/, 'replicas: 9'));
    const found = await all(fleet, { output: out });
    expect(found.warnings).toEqual([
      { path: 'prod/commerce.yaml', message: 'changed outside syskit; rendered instead' },
    ]);
    expect(Object.entries(sources(found)).filter(([, from]) => from === 'render')).toEqual([
      ['prod/commerce.yaml', 'render'],
    ]);
    expect(JSON.stringify(objects(found))).toBe(JSON.stringify(objects(rendered)));
  });

  it('renders a file deleted by hand, and an environment whose cache is damaged', async () => {
    fs.rmSync(path.join(out, 'qa', 'identity.yaml'));
    fs.writeFileSync(path.join(out, cacheFile('dev')), '{"toolkit": ');
    const found = await all(fleet, { output: out });
    expect(found.warnings.map((w) => w.path).sort()).toEqual([cacheFile('dev'), 'qa/identity.yaml']);
    expect(Object.keys(sources(found)).filter((f) => sources(found)[f] === 'render')).toEqual([
      'dev/platform.yaml',
      'dev/commerce.yaml',
      'dev/fulfillment.yaml',
      'dev/identity.yaml',
      'qa/identity.yaml',
    ]);
    expect(JSON.stringify(objects(found))).toBe(JSON.stringify(objects(rendered)));
  });

  it('renders what another toolkit wrote, without a warning: it is merely out of date', async () => {
    const cache = path.join(out, cacheFile('staging'));
    const manifest = JSON.parse(fs.readFileSync(cache, 'utf8'));
    fs.writeFileSync(cache, JSON.stringify({ ...manifest, toolkit: 'an older toolkit' }));
    const found = await all(fleet, { output: out });
    expect(found.warnings).toEqual([]);
    const fromRender = Object.entries(sources(found)).filter(([, from]) => from === 'render');
    expect(fromRender.map(([file]) => file)).toEqual([
      'staging/platform.yaml',
      'staging/commerce.yaml',
      'staging/fulfillment.yaml',
      'staging/identity.yaml',
    ]);
  });

  it('reads through the link the generation a newer synth swapped in', async () => {
    const generation = fs.realpathSync(out);
    const { files } = await synthesize(fleet, fleet.environments, fleet.systems, { jobs: 1 });
    writeOutput(out, files);
    // The swap removed the generation the link pointed to before.
    expect(fs.existsSync(generation)).toBe(false);
    const found = await all(fleet, { output: out });
    expect(found.warnings).toEqual([]);
    expect(new Set(Object.values(sources(found)))).toEqual(new Set(['output']));
    expect(JSON.stringify(objects(found))).toBe(JSON.stringify(objects(rendered)));
  });
});
