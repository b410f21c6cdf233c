/**
 * `scripts/tools.sh path <tool>` from TypeScript: the cached binary's path, built the first time
 * (the build log streams to `log`). The local cluster and the Pulumi stacks find their Go-built
 * components through this one function.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** scripts/tools.sh, found next to this file or (when compiled elsewhere) in a parent's scripts/. */
function toolsScript(): string {
  for (let d = __dirname; ; d = path.dirname(d)) {
    for (const candidate of [path.join(d, 'tools.sh'), path.join(d, 'scripts', 'tools.sh')]) {
      if (fs.existsSync(candidate)) return candidate;
    }
    if (path.dirname(d) === d) throw new Error(`scripts/tools.sh not found above ${__dirname}`);
  }
}

export function toolPath(tool: string, log: (line: string) => void = () => undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    // Several test files starting clusters at once must not each build the same tool:
    // serialize on a lock file next to the cache when `flock` (util-linux) is there.
    const cache = process.env.SYSKIT_TOOLS_CACHE || path.join(os.homedir(), '.cache', 'syskit', 'tools');
    const command = ['bash', toolsScript(), 'path', tool];
    if (hasFlock()) {
      fs.mkdirSync(cache, { recursive: true });
      command.unshift('flock', path.join(cache, `.${tool}.lock`));
    }
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const stderrTail: string[] = [];
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    let partial = '';
    child.stderr.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        log(line);
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const bin = stdout.trim().split('\n').pop() ?? '';
      if (code === 0 && bin && fs.existsSync(bin)) resolve(bin);
      else
        reject(new Error(`scripts/tools.sh path ${tool} failed (exit ${code}):\n${stderrTail.join('\n')}`));
    });
  });
}

let flockAvailable: boolean | undefined;
function hasFlock(): boolean {
  if (flockAvailable === undefined) {
    flockAvailable = (process.env.PATH ?? '')
      .split(path.delimiter)
      .some((d) => d !== '' && fs.existsSync(path.join(d, 'flock')));
  }
  return flockAvailable;
}
