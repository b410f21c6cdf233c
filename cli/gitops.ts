import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { gitOpsFiles } from '../delivery/gitops-layout';
import { KUSTOMIZATION_FILE } from '../delivery/kustomization';
import { systemPath } from '../delivery/units';
import { GITOPS_TOOLS, type GitOpsOptions, type GitOpsTool } from '../delivery/options';
import type { Environment } from '../model';
import { countDocuments, PLATFORM_FILE, UsageError, type RenderedFile } from '../synth/engine';

/** Reads `--gitops`, `--repo` and `--revision`; undefined when no GitOps output was asked for. */
export function gitOpsFromFlags(
  values: { gitops?: string; repo?: string; revision?: string; system?: string[] },
  outDir: string,
): GitOpsOptions | undefined {
  if (values.gitops === undefined) {
    if (values.repo !== undefined || values.revision !== undefined) {
      throw new UsageError(
        '--repo and --revision describe the GitOps output; add --gitops argocd or --gitops flux',
      );
    }
    return undefined;
  }
  const problems: string[] = [];
  if (!(GITOPS_TOOLS as readonly string[]).includes(values.gitops)) {
    problems.push(`--gitops expects one of ${GITOPS_TOOLS.join(', ')}, got "${values.gitops}"`);
  }
  if (values.system?.length) {
    problems.push(
      '--gitops writes whole environments (their kustomizations list every system); drop --system',
    );
  }
  const repo = values.repo ?? gitOutput(['remote', 'get-url', 'origin']);
  if (!repo)
    problems.push(
      '--gitops needs --repo <url>: the Git repository the output is committed to (no remote "origin" found)',
    );
  const root = repoPath(outDir);
  if (root === undefined) {
    problems.push(
      `--out "${outDir}" is outside the Git repository; the GitOps tool can only read folders inside it`,
    );
  }
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  return { tool: values.gitops as GitOpsTool, repo: repo!, revision: values.revision, root: root! };
}

/** The output folder's path in the repository the working directory belongs to (or below the working directory). */
function repoPath(outDir: string): string | undefined {
  const top = gitOutput(['rev-parse', '--show-toplevel']) ?? process.cwd();
  const relative = path.relative(top, path.resolve(outDir));
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return relative.split(path.sep).join('/');
}

function gitOutput(args: string[]): string | undefined {
  try {
    const out = execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out === '' ? undefined : out;
  } catch {
    return undefined;
  }
}

/**
 * An environment's rendered files laid out for a GitOps tool (delivery/gitops-layout.ts). The
 * systems' Vault files stay where they were; the manifests move into one folder per unit.
 */
export function gitOpsLayout(
  env: Environment,
  files: readonly RenderedFile[],
  options: GitOpsOptions,
): RenderedFile[] {
  const platform = files.find((f) => f.file === PLATFORM_FILE);
  const systems = files.filter((f) => f.system !== undefined);
  const layout = gitOpsFiles(
    env,
    { platform: platform?.content, systems: systems.map((f) => ({ name: f.system!, content: f.content })) },
    options,
  );
  const companions = new Map(
    systems.map((f) => [`${systemPath(f.system!)}/${KUSTOMIZATION_FILE}`, f.companions]),
  );
  // Vault files are not manifests; they stay in vault/<system>/, carried by the system's folder.
  return [...layout].map(([file, content]) => ({
    environment: env.name,
    file,
    content,
    objects: countDocuments(content),
    ...(companions.get(file) ? { companions: companions.get(file) } : {}),
  }));
}
