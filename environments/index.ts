import dev from './dev';
import qa from './qa';
import staging from './staging';
import prod from './prod';

/** The long-lived environments, in promotion order. */
export const environments = [dev, qa, staging, prod];

export { dev, qa, staging, prod };
