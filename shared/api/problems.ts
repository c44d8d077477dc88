import type { z } from 'zod';
import type { FieldProblem } from '../domain/errors';

/**
 * Turns zod issues into field problems. `prefix` names where the input came from (`query`
 * for query strings); body fields are named by their own path, the body itself is `body`.
 */
export function problemsFromZod(error: z.ZodError, input: unknown, prefix?: string): FieldProblem[] {
  return error.issues.map((issue) => {
    const segments = issue.path.map(String);
    // An unknown key names itself: `{ desird: 3 }` -> path `desird`, not the root.
    if (issue.code === 'unrecognized_keys' && issue.keys.length > 0) {
      return issue.keys.map((key) => ({
        path: join(prefix, [...segments, key]),
        message: `Unknown field "${key}"`,
        value: valueAt(input, [...segments, key]),
        severity: 'error' as const,
      }));
    }
    return [{ path: join(prefix, segments), message: issue.message, value: valueAt(input, segments), severity: 'error' as const }];
  }).flat();
}

function join(prefix: string | undefined, segments: string[]): string {
  if (segments.length === 0) return prefix ?? 'body';
  return prefix ? `${prefix}.${segments.join('.')}` : segments.join('.');
}

function valueAt(input: unknown, segments: string[]): unknown {
  let current: unknown = input;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}
