import { App, Chart } from 'cdk8s';

/**
 * An App for tests that never writes: cdk8s's `Testing.app()` makes a temporary output folder
 * per call and never removes it, which piles up over a suite of construct tests.
 */
export function testApp(): App {
  return new App({ outdir: 'unused' });
}

/** A chart in its own test App, as `Testing.chart()` gives, without the temporary folder. */
export function testChart(): Chart {
  return new Chart(testApp(), 'test');
}
