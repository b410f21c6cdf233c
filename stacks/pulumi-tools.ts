import * as fs from 'node:fs';
import * as path from 'node:path';
import { toolPath } from '../tools/tool-path';

/** The Go-built Pulumi binaries, all of one pinned release (scripts/tools/pulumi*.sh). */
export const PULUMI_TOOLS = ['pulumi', 'pulumi-language-nodejs', 'pulumi-resource-kubernetes'] as const;

/**
 * Builds (first time) the Pulumi CLI and plugins and links them into `<root>/bin`, the layout
 * the Automation API's `PulumiCommand.get({ root })` expects. Plugins on PATH are used as
 * "ambient" plugins, so with automatic acquisition disabled Pulumi never tries a download.
 */
export async function pulumiRoot(
  stateDir: string,
  log?: (line: string) => void,
): Promise<{ root: string; bin: string }> {
  const root = path.join(stateDir, 'pulumi-root');
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  for (const tool of PULUMI_TOOLS) {
    const target = await toolPath(tool, log);
    const link = path.join(bin, tool);
    if (fs.existsSync(link) || isDanglingLink(link)) {
      if (fs.readlinkSync(link) === target) continue;
      fs.rmSync(link);
    }
    fs.symlinkSync(target, link);
  }
  return { root, bin };
}

function isDanglingLink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
