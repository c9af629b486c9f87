import type { z } from 'zod';

/** One line per problem, each naming the field: `task.input.from: Invalid date`. Workflow-safe. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter((part) => part !== '').join('.');
    return `${path || '(root)'}: ${issue.message}`;
  });
}
