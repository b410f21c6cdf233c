import * as pulumi from '@pulumi/pulumi';

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, any>;
}

/** Pulumi's mocks: every registered resource is recorded; outputs echo the inputs. */
export function recordResources(): Recorded[] {
  const recorded: Recorded[] = [];
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: args.inputs };
      },
      call: (args) => args.inputs,
    },
    'syskit',
    'test',
    false,
  );
  return recorded;
}

/** Lets the mocked engine finish registering what a program created. */
export const settle = () => new Promise((r) => setTimeout(r, 50));
