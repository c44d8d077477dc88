import type { FieldProblem } from '../domain/errors';

const MAX_VALUE = 80;

/** `path: message (got VALUE)`, the line `poolscale validate` and `import` print per problem. */
export function formatProblem(problem: FieldProblem): string {
  const path = problem.path || '(root)';
  // Messages that already quote what they got (`(got 8 > 4)`) need no second `(got ...)`.
  const got = problem.value === undefined || /\(got /.test(problem.message) ? '' : ` (got ${showValue(problem.value)})`;
  return `${path}: ${problem.message}${got}`;
}

function showValue(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}
