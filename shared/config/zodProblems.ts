/**
 * Turns zod issues into FieldProblems a person can act on: one problem per bad field, with the
 * dotted path and the value found there. Unions are resolved to the branch the input meant, so
 * a metric with `source: redis` reports what is wrong with the Redis spec rather than eight
 * "expected cloudwatch"-style complaints.
 */
import type { core } from 'zod';
import type { FieldProblem } from '../domain/errors';
import { fieldPath, valueAt, type PathSegment } from './fieldPath';
import { suggestField } from './suggestField';

type Issue = core.$ZodIssue;

export function zodProblems(issues: readonly Issue[], input: unknown, prefix: readonly PathSegment[] = []): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const issue of issues) collect(issue, input, prefix, problems);
  return problems;
}

function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function collect(issue: Issue, input: unknown, prefix: readonly PathSegment[], out: FieldProblem[]): void {
  const path = [...prefix, ...toSegments(issue.path)];
  const problem = (segments: PathSegment[], message: string): FieldProblem => ({
    path: fieldPath(segments),
    message,
    value: valueAt(input, segments),
    severity: 'error',
  });

  switch (issue.code) {
    case 'unrecognized_keys':
      for (const key of issue.keys) {
        const suggestion = suggestField(key);
        out.push(problem([...path, key], `Unknown field \`${key}\`${suggestion ? ` (did you mean \`${suggestion}\`?)` : ''}`));
      }
      return;
    case 'invalid_union': {
      // A JSON number too large to represent (400 digits) fails every branch of a duration.
      if (isOutOfRangeNumber(valueAt(input, path))) {
        out.push(problem(path, NOT_FINITE));
        return;
      }
      const branches = issue.errors as Issue[][];
      if (branches.length === 0) {
        // A discriminated union whose discriminator matched no option; the path ends at it.
        const options = (issue as { options?: unknown[] }).options;
        const key = path[path.length - 1];
        out.push(
          problem(path, options && key !== undefined ? `Expected \`${key}\` to be one of ${options.map((o) => JSON.stringify(o)).join(', ')}` : issue.message),
        );
        return;
      }
      resolveUnion(branches, input, path, out, problem);
      return;
    }
    case 'invalid_type': {
      const value = valueAt(input, path);
      const message =
        value === undefined
          ? `Required: expected ${issue.expected}`
          : isOutOfRangeNumber(value)
            ? NOT_FINITE
            : `Expected ${issue.expected}, got ${describe(value)}`;
      out.push(problem(path, message));
      return;
    }
    case 'invalid_key':
      // A record key its key schema refuses (a reserved metric name): the key's own messages.
      for (const inner of issue.issues) out.push(problem(path, inner.message));
      return;
    default:
      out.push(problem(path, issue.message));
  }
}

/** A literal/enum mismatch directly on the union member: that branch is not the one meant. */
function discriminatorMisses(branch: Issue[]): Issue[] {
  return branch.filter((i) => i.code === 'invalid_value' && i.path.length === 1);
}

function resolveUnion(
  branches: Issue[][],
  input: unknown,
  path: PathSegment[],
  out: FieldProblem[],
  problem: (segments: PathSegment[], message: string) => FieldProblem,
): void {
  const scored = branches.map((branch) => ({ branch, misses: discriminatorMisses(branch) }));
  const fewest = Math.min(...scored.map((s) => s.misses.length));
  const closest = scored.filter((s) => s.misses.length === fewest);
  if (fewest === 0) {
    // The input names a branch: report that branch's own problems.
    const best = closest.reduce((a, b) => (b.branch.length < a.branch.length ? b : a));
    for (const issue of best.branch) collect(issue, input, path, out);
    return;
  }
  // No branch fits. Prefer the branches that agree with the input's earlier keys: with
  // `{source: ecs, type: gpu}` the `ecs` branch (wrong type) is meant, not `cloudwatch`.
  const value = valueAt(input, path);
  const keys = value !== null && typeof value === 'object' ? Object.keys(value) : [];
  const vector = (s: { misses: Issue[] }) => keys.map((k) => (s.misses.some((m) => String(m.path[0]) === k) ? 1 : 0));
  const compare = (a: number[], b: number[]) => {
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
    return 0;
  };
  const best = closest.reduce((a, b) => (compare(vector(b), vector(a)) < 0 ? b : a));
  const bestVector = vector(best);
  const preferred = closest.filter((s) => compare(vector(s), bestVector) === 0);
  const first = best.misses[0]!;
  const key = String(first.path[0]);
  // When every branch rejects this key (an unknown `source`), list every option; otherwise the
  // input picked a family (`source: redis`) and only that family's options are relevant.
  const missesKey = (s: { misses: Issue[] }) => s.misses.some((m) => String(m.path[0]) === key);
  const pool = scored.every(missesKey) ? scored : preferred;
  const allowed = new Set<string>();
  for (const candidate of pool) {
    for (const miss of candidate.misses) {
      if (String(miss.path[0]) !== key || miss.code !== 'invalid_value') continue;
      for (const v of miss.values) allowed.add(JSON.stringify(v));
    }
  }
  out.push(problem([...path, key], `Expected \`${key}\` to be one of ${[...allowed].join(', ')}`));
}

const NOT_FINITE = 'Expected a finite number: this one is too large to represent (more than about 308 digits)';

/** JSON.parse reads a 400-digit number as Infinity; YAML has `.inf`. */
const isOutOfRangeNumber = (value: unknown): boolean => typeof value === 'number' && !Number.isFinite(value);

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `a string`;
  return typeof value;
}
