/**
 * `pulumi up` of one stack with an inline program, run the way the Automation API's `Stack.up`
 * runs it (the program served in this process by the SDK's language server, `--client` and
 * `--exec-kind inline`), without the three CLI runs `Stack.up` always adds after the update:
 * `stack output --json` with and without `--show-secrets`, and `stack history --json
 * --show-secrets`. Each of those loads the whole state again, two derive the passphrase's key,
 * and together they cost about as much wall time as an update with nothing to change. syskit
 * needs neither: the change counts are in the update's own event log (its summary event, the
 * same counts the history records), and the outputs are what the program returned.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { PulumiFn, Stack } from '@pulumi/pulumi/automation';
import { runStackCommand } from './stack-cli';

export interface UpdateOptions {
  /** Receives Pulumi's progress output. @default - discarded */
  readonly onOutput?: (text: string) => void;
  /** Resources Pulumi works on at once. @default - Pulumi's */
  readonly parallel?: number;
  /** Read every resource back from the cluster before updating. @default false */
  readonly refresh?: boolean;
}

export interface UpdateResult {
  /** Resources per operation (`create`, `update`, `same`, ...), as the stack's history records them. */
  readonly changes: Record<string, number>;
  /** What the program returned. */
  readonly outputs: Record<string, unknown>;
}

/**
 * The resource counts of the update's summary event in a `--event-log` file (one JSON engine
 * event per line). Undefined when the log holds no summary of an update (a preview's does not
 * count), which a finished `pulumi up` always writes.
 */
export function updateSummary(eventLog: string): Record<string, number> | undefined {
  let found: Record<string, number> | undefined;
  for (const line of eventLog.split('\n')) {
    // Resource events carry whole objects; only the one summary line is worth parsing.
    if (!line.includes('"summaryEvent"')) continue;
    let event: { summaryEvent?: { isPreview?: boolean; resourceChanges?: Record<string, number> } };
    try {
      event = JSON.parse(line);
    } catch {
      continue;
    }
    const summary = event.summaryEvent;
    if (!summary || summary.isPreview) continue;
    found = { ...(summary.resourceChanges ?? {}) };
  }
  return found;
}

/** The SDK's pieces `Stack.up` serves an inline program with; internal there, so loaded from its own copy. */
interface LanguageHost {
  readonly grpc: typeof grpc;
  readonly LanguageServer: new (program: PulumiFn) => grpc.UntypedServiceImplementation & {
    onPulumiExit(hasError: boolean): void;
  };
  readonly LanguageRuntimeService: grpc.ServiceDefinition;
}

let languageHost: LanguageHost | undefined;

function loadLanguageHost(): LanguageHost {
  if (!languageHost) {
    // The SDK's own copy of grpc-js, so the service it defines and the server it runs on match.
    const sdk = createRequire(require.resolve('@pulumi/pulumi/package.json'));
    languageHost = {
      grpc: sdk('@grpc/grpc-js') as typeof grpc,
      LanguageServer: (sdk('./automation/server') as Pick<LanguageHost, 'LanguageServer'>).LanguageServer,
      LanguageRuntimeService: (
        sdk('./proto/language_grpc_pb') as Pick<LanguageHost, 'LanguageRuntimeService'>
      ).LanguageRuntimeService,
    };
  }
  return languageHost;
}

/** The gRPC limits the SDK's servers use: large programs send large messages. */
const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 400 * 1024 * 1024,
  'grpc.server_max_unrequested_time_in_server': 30 * 60,
};

/**
 * Each `kubernetes:yaml/v2:ConfigGroup` returns the objects it applied as resource references,
 * and the SDK turns every reference it receives into a live resource object by asking the engine
 * for that object's whole state (one `getResource` call per object, deserialized here): about a
 * tenth of the CPU time of an unchanged `up` of the examples, for outputs no program reads. With
 * references off, the engine hands the program the objects' URNs instead; what is applied and
 * recorded is the same.
 */
const PLAIN_REFERENCES = { PULUMI_DISABLE_RESOURCE_REFERENCES: 'true' };

/**
 * Runs `pulumi up --yes --skip-preview` of `stack` with `program`. Failures are what `Stack.up`
 * throws (the same `CommandError`s, with the CLI's stdout and stderr); a stack lock taken
 * elsewhere is a `ConcurrentUpdateError`.
 */
export async function runUpdate(
  stack: Stack,
  program: PulumiFn,
  options: UpdateOptions = {},
): Promise<UpdateResult> {
  const host = loadLanguageHost();
  let outputs: Record<string, unknown> = {};
  const server = new host.grpc.Server(CHANNEL_OPTIONS);
  const languageServer = new host.LanguageServer(async () => {
    const returned = await program();
    outputs = { ...(returned ?? {}) };
    return returned;
  });
  server.addService(host.LanguageRuntimeService, languageServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', host.grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-update-'));
  const eventLog = path.join(dir, 'events.jsonl');
  const args = ['up', '--yes', '--skip-preview'];
  if (options.refresh) args.push('--refresh');
  if (options.parallel) args.push('--parallel', String(options.parallel));
  args.push(`--client=127.0.0.1:${port}`, '--exec-kind', 'inline', '--event-log', eventLog);
  let failed = false;
  try {
    await runStackCommand(stack, args, { onOutput: options.onOutput, env: PLAIN_REFERENCES });
    const changes = updateSummary(fs.readFileSync(eventLog, 'utf8'));
    // A finished update always logs its summary; should a CLI ever not, the history has it.
    return { changes: changes ?? (await historyChanges(stack)), outputs };
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    languageServer.onPulumiExit(failed);
    server.forceShutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function historyChanges(stack: Stack): Promise<Record<string, number>> {
  return ((await stack.info(false))?.resourceChanges ?? {}) as Record<string, number>;
}
