/**
 * The source of a Go module at the version scripts/tools/ pins, from the Go module cache: the
 * platform's components read their own files from it at run time (Gatekeeper's CRDs, Istio's
 * injection templates and chart values), so those are upstream's, never copies in this repository.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** `TOOL_VERSION=<literal>` of scripts/tools/<tool>.sh. */
export function pinnedToolVersion(tool: string): string {
  const script = path.join(repositoryRoot(), 'scripts', 'tools', `${tool}.sh`);
  const match = /^TOOL_VERSION=([^\s$"]+)\s*$/m.exec(fs.readFileSync(script, 'utf8'));
  if (!match) throw new Error(`${script}: expected a literal TOOL_VERSION=<version> line`);
  return match[1];
}

/**
 * The folder of `module@version` in the module cache, downloaded through the module proxy when
 * missing. Run from an empty folder so that no go.mod around it takes part.
 */
export function moduleDir(module: string, version: string): Promise<string> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'syskit-gomod-'));
  return new Promise<string>((resolve, reject) => {
    execFile(
      'go',
      ['mod', 'download', '-json', `${module}@${version}`],
      {
        cwd: scratch,
        env: { ...process.env, GOFLAGS: '-mod=mod' },
        maxBuffer: 16 << 20,
        timeout: 30 * 60_000,
      },
      (err, stdout, stderr) => {
        fs.rmSync(scratch, { recursive: true, force: true });
        let info: { Dir?: string; Error?: string } = {};
        try {
          info = JSON.parse(stdout) as { Dir?: string; Error?: string };
        } catch {
          /* reported below */
        }
        if (info.Dir && fs.existsSync(info.Dir)) resolve(info.Dir);
        else
          reject(
            new Error(
              `go mod download ${module}@${version} failed: ${info.Error ?? (stderr.trim() || err?.message)}`,
            ),
          );
      },
    );
  });
}

function repositoryRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'scripts', 'tools.sh'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no scripts/tools.sh above ${__dirname}`);
  }
}
