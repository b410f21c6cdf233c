import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { kibibytes, millicores, type Resources } from '../model';

/** The model's quantities as cdk8s-plus wants them. */
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
