/** The GitOps tools syskit writes for. */
export const GITOPS_TOOLS = ['argocd', 'flux'] as const;

export type GitOpsTool = (typeof GITOPS_TOOLS)[number];

/** Where the GitOps tool finds syskit's output. */
export interface GitOpsOptions {
  readonly tool: GitOpsTool;
  /** The Git repository the output is committed to, as the GitOps tool clones it. */
  readonly repo: string;
  /**
   * Branch, tag or commit to follow. Argo CD takes any of them; for Flux a 40-digit hex is a
   * commit, `refs/...` a full reference and anything else a branch.
   * @default - Argo CD: `HEAD`; Flux: the branch `main`
   */
  readonly revision?: string;
  /** The output folder's path in the repository, `/`-separated, like `dist`. */
  readonly root: string;
}
