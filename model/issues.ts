import type { z } from 'zod';

/** One problem in a declaration: where it is and what was expected. */
export interface Issue {
  /** Dotted path from the root of the declaration, like `commerce.services.orders.calls[1]`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown when declarations are invalid; carries every problem found, not only the first. */
export class ValidationError extends Error {
  constructor(readonly issues: readonly Issue[]) {
    super(
      `${issues.length} problem${issues.length === 1 ? '' : 's'} in the declarations:\n${formatIssues(issues)}`,
    );
    this.name = 'ValidationError';
  }
}

export function formatIssues(issues: readonly Issue[]): string {
  return issues.map((issue) => `  ${issue.path}: ${issue.message}`).join('\n');
}

/** Joins path segments the way users write them: `a.b[0].c`. */
export function joinPath(root: string, segments: readonly PropertyKey[]): string {
  let out = root;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Turns zod's issues into ours, rooted at the name the user knows the document by. */
export function fromZod(root: string, error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: joinPath(root, issue.path),
    message: describeZodIssue(issue),
  }));
}

function describeZodIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length === 1 ? '' : 's'} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type':
      return issue.input === undefined
        ? `required, expected ${issue.expected}`
        : issue.message.replace(/^Invalid input: /, '');
    default:
      return issue.message;
  }
}

/** Sorted by path, then message, so reports are stable from run to run. */
export function sortIssues(issues: Issue[]): Issue[] {
  return issues.sort((a, b) =>
    a.path === b.path
      ? a.message < b.message
        ? -1
        : a.message > b.message
          ? 1
          : 0
      : a.path < b.path
        ? -1
        : 1,
  );
}
