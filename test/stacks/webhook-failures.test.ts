import { webhookFailures } from '../../stacks/webhook-failures';

describe('webhook failures in Pulumi diagnostics', () => {
  it('names the webhook, the object and the reason of each refusal, once each', () => {
    const diagnostics = [
      'Diagnostics:',
      '  kubernetes:core/v1:Namespace (dev-commerce-namespace):',
      '    error: resource commerce was not successfully created by the Kubernetes API server: Internal error occurred: failed calling webhook "validation.gatekeeper.sh": failed to call webhook: Post "https://127.0.0.1:1/v1/admit?timeout=5s": dial tcp 127.0.0.1:1: connect: connection refused',
      '  kubernetes:core/v1:Namespace (dev-identity-namespace):',
      '    error: Internal error occurred: failed calling webhook "validation.gatekeeper.sh": failed to call webhook: Post "https://127.0.0.1:1/v1/admit?timeout=5s": context deadline exceeded',
      '    error: Internal error occurred: failed calling webhook "validation.gatekeeper.sh": failed to call webhook: Post "https://127.0.0.1:1/v1/admit?timeout=5s": context deadline exceeded',
      '  pulumi:pulumi:Stack (syskit-dev):',
      '    error: update failed',
    ].join('\n');
    expect(webhookFailures(diagnostics)).toEqual([
      {
        webhook: 'validation.gatekeeper.sh',
        object: 'Namespace commerce',
        reason:
          'Post "https://127.0.0.1:1/v1/admit?timeout=5s": dial tcp 127.0.0.1:1: connect: connection refused',
      },
      {
        webhook: 'validation.gatekeeper.sh',
        object: 'Namespace dev-identity-namespace',
        reason: 'Post "https://127.0.0.1:1/v1/admit?timeout=5s": context deadline exceeded',
      },
    ]);
  });

  it('finds nothing in a failure that is not a webhook call', () => {
    expect(
      webhookFailures('  kubernetes:apps/v1:Deployment (orders):\n    error: timed out waiting'),
    ).toEqual([]);
  });
});
