/** Puts the CRDs that cdk8s.yaml lists outside `../shared/crds` where it expects them. */
import { stageBarmanCloudCrd } from '../tools/upstream-crds';

process.stdout.write(`${stageBarmanCloudCrd()}\n`);
