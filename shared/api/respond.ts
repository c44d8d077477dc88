import type { FieldProblem } from '../domain/errors';
import type { ApiResponse } from './types';

// Pool status changes by the minute: no cache between the operator and the API may keep it.
const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ApiResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(status: number, error: string, message: string, headers: Record<string, string> = {}): ApiResponse {
  return json(status, { error, message }, headers);
}

/** Most problems listed in one response: a body of 20,000 unknown keys must not echo back as 1 MB. */
export const MAX_LISTED_PROBLEMS = 100;

/** 400 (or 413) naming every field; echoed values are trimmed so a hostile body is never reflected whole. */
export function validationResponse(problems: FieldProblem[], status = 400): ApiResponse {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS);
  return json(status, {
    error: 'ValidationError',
    message:
      problems.length > listed.length
        ? `${problems.length} problems in the request; the first ${listed.length} are listed`
        : `${problems.length} problem(s) in the request`,
    problems: listed.map((problem) => ({
      path: problem.path || 'body',
      message: problem.message,
      ...(problem.value === undefined ? {} : { value: echo(problem.value) }),
      ...(problem.severity === 'warning' ? { severity: 'warning' } : {}),
    })),
  });
}

/** Primitives as they are (long strings cut); objects and arrays only by their kind. */
function echo(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 ? `${value.slice(0, 200)}...` : value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (Array.isArray(value)) return `(array of ${value.length})`;
  return `(${typeof value})`;
}
