import commerce from '../../charts/commerce';
import fulfillment from '../../charts/fulfillment';
import identity from '../../charts/identity';
import { environments } from '../../environments';
import { parseFleet, resolve } from '../../model';
import { BARMAN_CLOUD_MODULE, barmanCloudCrdsDir, crdsDir } from '../../tools/upstream-crds';
import { BARMAN_CLOUD_PLUGIN_RELEASE } from '../../stacks/addons';
import { CrdSchemas } from './crd-schema';
import { chartObjects } from './system-objects';

describe('backups through the Barman Cloud plugin', () => {
  const fleet = parseFleet([commerce, fulfillment, identity], environments);
  const objects = fleet.environments.flatMap((env) =>
    fleet.systems.flatMap((s) => chartObjects(resolve(s, env, fleet))),
  );

  it('writes ObjectStores the plugin’s CRD accepts, at the release the add-ons install', () => {
    expect(BARMAN_CLOUD_PLUGIN_RELEASE.version).toBe(BARMAN_CLOUD_MODULE.version);
    const schemas = CrdSchemas.load(barmanCloudCrdsDir(), ['barmancloud.cnpg.io_objectstores.yaml']);
    const stores = objects.filter((o) => o.kind === 'ObjectStore');
    expect(stores.length).toBeGreaterThan(0);
    expect(stores.flatMap((o) => schemas.validate(o))).toEqual([]);
  }, 300_000);

  it('names an ObjectStore of the same namespace from every Cluster that archives, and nothing in-tree', async () => {
    const schemas = CrdSchemas.load(await crdsDir(), ['cloudnative-pg.yaml']);
    const clusters = objects.filter((o) => o.kind === 'Cluster' && o.spec.plugins);
    expect(clusters.length).toBeGreaterThan(0);
    for (const c of clusters) {
      expect(schemas.validate(c)).toEqual([]);
      expect(c.spec.backup).toBeUndefined();
      const store = c.spec.plugins[0].parameters.barmanObjectName;
      expect(objects.some((o) => o.kind === 'ObjectStore' && o.metadata.name === store)).toBe(true);
    }
    for (const b of objects.filter((o) => o.kind === 'ScheduledBackup')) expect(b.spec.method).toBe('plugin');
  });
});
