import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { kibibytes, millicores, type Resources } from '../model';

/** CPU and memory as cdk8s-plus wants them; ephemeral storage is written by `addEphemeralStorage`. */
export function containerResources(resources: Resources): kplus.ContainerResources {
  return {
    cpu: {
      request: kplus.Cpu.millis(millicores(resources.requests.cpu)),
      limit: kplus.Cpu.millis(millicores(resources.limits.cpu)),
    },
    memory: {
      request: Size.kibibytes(kibibytes(resources.requests.memory)),
      limit: Size.kibibytes(kibibytes(resources.limits.memory)),
    },
  };
}

/** A container's ephemeral-storage request and limit, when its resources name both. */
export function ephemeralStorage(resources: Resources): { request: string; limit: string } | undefined {
  const request = resources.requests.ephemeralStorage;
  const limit = resources.limits.ephemeralStorage;
  return request && limit ? { request, limit } : undefined;
}

/**
 * Writes the container's ephemeral-storage request and limit as declared. cdk8s-plus rounds
 * ephemeral storage to whole gibibytes and refuses anything else, so it is patched in instead,
 * as Quantities: the generated `toJson` of cdk8s-plus's objects reads every resource amount as one.
 */
export function addEphemeralStorage(object: ApiObject, containerPath: string, resources: Resources): void {
  const storage = ephemeralStorage(resources);
  if (!storage) return;
  object.addJsonPatch(
    JsonPatch.add(
      `${containerPath}/resources/requests/ephemeral-storage`,
      kplus.k8s.Quantity.fromString(storage.request),
    ),
    JsonPatch.add(
      `${containerPath}/resources/limits/ephemeral-storage`,
      kplus.k8s.Quantity.fromString(storage.limit),
    ),
  );
}
