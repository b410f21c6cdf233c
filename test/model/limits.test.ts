import dev from '../../environments/dev';
import { parseFleet, ValidationError, type EnvironmentInput } from '../../model';
import { accounts, shop } from '../fixtures/fleet';

function issuesOf(systems: unknown[], environments: unknown[]): string[] {
  try {
    parseFleet(systems, environments);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((i) => `${i.path}: ${i.message}`);
    throw error;
  }
  return [];
}

describe('limits of text that becomes an annotation', () => {
  it("fails load-balancer annotations over the API server's 256 KiB for one object", () => {
    const big: EnvironmentInput = {
      ...dev,
      cluster: {
        ...dev.cluster,
        loadBalancerAnnotations: {
          'example.com/a': 'x'.repeat(200 * 1024),
          'example.com/b': 'y'.repeat(60 * 1024),
        },
      },
    };
    expect(issuesOf([shop, accounts], [big])).toEqual([
      'environments.dev.cluster.loadBalancerAnnotations: 260.0 KiB of annotations is over the 256 KiB the API server accepts on one object',
    ]);
  });

  it('accepts a description of exactly 4 KiB and fails one byte more, counted in bytes', () => {
    expect(issuesOf([shop, { ...accounts, description: 'x'.repeat(4096) }], [dev])).toEqual([]);
    expect(issuesOf([shop, { ...accounts, description: 'é'.repeat(2049) }], [dev])).toEqual([
      'accounts.description: 4098 bytes is over the 4 KiB a description may have (it becomes an annotation); keep it to a summary and link to the rest',
    ]);
  });
});
