import { UsageError } from '../synth/errors';
import { DEFAULT_GATEWAY_NAMESPACE } from '../verify/flows';
import { DEFAULT_PROBE_IMAGE } from '../verify/probe-pod';
import { EXIT, type Io } from './io';
import { parse, planFromFlags } from './options';

export const VERIFY_HELP = `Usage: syskit verify --env <name> [options]

Proves the traffic rules of an applied environment on its cluster. For every
workload it starts a short-lived probe pod in the workload's namespace with the
workload's service account and labels (so the same NetworkPolicies apply) and
tries every flow that matters:

  - each declared call                       must connect
  - every other service of the fleet         must be refused
  - DNS (kubernetes.default)                 must resolve
  - from the gateway's namespace, each
    service with routes                      must connect (others refused)
  - --outside <host:port>                    must be refused

It prints the flows that differ from the declaration first, then a matrix per
system, and deletes its pods when done or interrupted.

Exit codes: 0 every flow matches, 1 a flow differs from the declaration,
2 usage error, 3 a flow could not be checked (pod refused, service missing).

Options:
  --env <name>                the environment (required)
  --kubeconfig <path>         kubeconfig of the cluster (default: KUBECONFIG or ~/.kube/config)
  --context <name>            kubeconfig context (default: the current one)
  --json                      print the report as JSON
  --outside <host:port>       also check that this address outside the cluster is refused
  --probe-image <ref>         image with the probe program (default: ${DEFAULT_PROBE_IMAGE})
  --gateway-namespace <name>  where the gateway runs (default: ${DEFAULT_GATEWAY_NAMESPACE})
  --parallel <n>              probe pods at once (default: 8)
  --systems <path>            systems to read (default: charts/)
  --environments <path>       environments to read (default: environments/)
  -h, --help                  show this help`;

export async function verifyCommand(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    env: { type: 'string' },
    kubeconfig: { type: 'string' },
    context: { type: 'string' },
    json: { type: 'boolean' },
    outside: { type: 'string' },
    'probe-image': { type: 'string' },
    'gateway-namespace': { type: 'string' },
    parallel: { type: 'string' },
    systems: { type: 'string' },
    environments: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.out(VERIFY_HELP);
    return EXIT.ok;
  }
  const { resolve } = await import('../model');
  const { formatReport, verifyEnvironment } = await import('../verify');
  if (!values.env) throw new UsageError('syskit verify needs --env <name>');
  if (values.outside !== undefined && !/^[^\s:]+:\d{1,5}$/.test(values.outside))
    throw new UsageError(`--outside expects host:port, got "${values.outside}"`);
  const parallel = values.parallel === undefined ? undefined : Number(values.parallel);
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel > 0))
    throw new UsageError(`--parallel expects a positive whole number, got "${values.parallel}"`);
  const { fleet, environments } = planFromFlags(values);
  const environment = environments[0];
  const systems = fleet.systems.map((s) => resolve(s, environment, fleet));
  const report = await verifyEnvironment(environment.name, systems, {
    kubeconfig: values.kubeconfig,
    context: values.context,
    outside: values.outside,
    image: values['probe-image'],
    gatewayNamespace: values['gateway-namespace'],
    parallel,
    log: values.json ? undefined : (line) => io.err(line),
  });
  io.out(values.json ? JSON.stringify(report, null, 2) : formatReport(report));
  if (report.differences.length > 0) return EXIT.invalid;
  if (report.errors.length > 0) return EXIT.failure;
  return EXIT.ok;
}
