/**
 * The one way a config or a single pool policy is accepted: templates expanded on the raw input,
 * then the zod schema, then the cross-field checks. Every problem is reported, not the first.
 */
import { ValidationError, type FieldProblem } from '../domain/errors';
import { ConfigSchema, PoolSchema, type Config, type Policy } from '../domain/policy';
import { configSemanticProblems, poolSemanticProblems } from './semanticProblems';
import { expandTemplate, expandTemplates } from './templates';
import { zodProblems } from './zodProblems';

export interface ConfigValidation {
  /** Present only when there is no problem of severity `error`. */
  config?: Config;
  problems: FieldProblem[];
}

export interface PolicyValidation {
  policy?: Policy;
  problems: FieldProblem[];
}

const hasError = (problems: FieldProblem[]) => problems.some((p) => p.severity === 'error');

/** Adds semantic problems, leaving out an error on a field the schema already refused. */
function addNew(problems: FieldProblem[], more: FieldProblem[]): void {
  const refused = new Set(problems.filter((p) => p.severity === 'error').map((p) => p.path));
  for (const problem of more) if (!(problem.severity === 'error' && refused.has(problem.path))) problems.push(problem);
}

/** Validates a whole config (`{ version?, budget?, pools: [...] }`). Never throws. */
export function validateConfig(input: unknown): ConfigValidation {
  const expanded = expandTemplates(input);
  const parsed = ConfigSchema.safeParse(expanded);
  const problems = parsed.success ? [] : zodProblems(parsed.error.issues, expanded);
  addNew(problems, configSemanticProblems(expanded));
  if (!parsed.success || hasError(problems)) return { problems };
  return { config: parsed.data, problems };
}

/** Validates one pool policy (paths relative to the pool). Never throws. */
export function validatePolicy(input: unknown): PolicyValidation {
  const expanded = expandTemplate(input);
  const parsed = PoolSchema.safeParse(expanded);
  const problems = parsed.success ? [] : zodProblems(parsed.error.issues, expanded);
  addNew(problems, poolSemanticProblems(expanded));
  if (!parsed.success || hasError(problems)) return { problems };
  return { policy: parsed.data, problems };
}

/**
 * Parses one pool policy (the API's PUT /pools/{id}), template expanded.
 * @throws ValidationError listing every error (warnings are included for context).
 */
export function parsePolicy(input: unknown): Policy {
  const { policy, problems } = validatePolicy(input);
  if (!policy) throw new ValidationError(problems);
  return policy;
}
