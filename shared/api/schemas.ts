/**
 * Every request and response shape of the HTTP API, in one place: the router parses with
 * these and `openApiDocument()` generates the OpenAPI document from them, so the two cannot
 * drift apart.
 */
import { z } from 'zod';
import { PoolSchema } from '../domain/policy';
import { isHistoryCursor } from '../ports/DecisionLog';

/** Largest request body accepted (bytes, after base64 decoding). */
export const MAX_BODY_BYTES = 256 * 1024;

export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 500;

/** `POST /pools/{id}/scale`: an operator sets the desired count for a while. */
export const ScaleBodySchema = z.strictObject({
  desired: z.number().int().min(0).max(100_000).describe('Desired worker count (within the pool bounds)'),
  reason: z.string().trim().min(1).max(500).describe('Why, for the decision history'),
  durationSeconds: z
    .number()
    .int()
    .positive()
    .max(30 * 86_400)
    .optional()
    .describe('The policy resumes after this many seconds; absent: until resumed'),
});

/** `POST /pools/{id}/pause`. */
export const PauseBodySchema = z.strictObject({
  reason: z.string().trim().min(1).max(500).optional().describe('Why the pool is paused'),
});

/** `POST /pools/{id}/resume`: an empty object or no body resumes; a manual override stays unless cleared. */
export const ResumeBodySchema = z.strictObject({
  clearManual: z.boolean().optional().describe('Also end a manual override (default false: a resume leaves an operator\'s scale in force)'),
});

/** An integer in a query string (`?limit=20`). */
const queryInteger = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d{1,16}$/, 'Expected a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** `GET /pools/{id}/history?limit=&before=`. */
export const HistoryQuerySchema = z.object({
  limit: queryInteger(1, HISTORY_MAX_LIMIT).optional().describe(`1..${HISTORY_MAX_LIMIT}, default ${HISTORY_DEFAULT_LIMIT}`),
  before: z
    .string()
    .refine((value) => isHistoryCursor(value) || parseTime(value) !== undefined, 'Expected the `next` of the previous page, epoch milliseconds or an ISO 8601 time')
    .transform((value): number | string => (isHistoryCursor(value) ? value : (parseTime(value) as number)))
    .optional()
    .describe('The `next` of the previous page (older decisions only, none skipped), or a time: only decisions strictly before it (epoch ms or ISO 8601)'),
});

/** Epoch milliseconds or an ISO 8601 time; undefined for anything else. */
export function parseTime(value: string): number | undefined {
  if (/^\d{1,16}$/.test(value)) return Number(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The policy body of `PUT /pools/{id}` (the id may be omitted: the path gives it). */
export const PolicyBodySchema = PoolSchema.partial({ id: true });

// ---------------------------------------------------------------------------------------------
// Responses (documentation only: the router builds them from runtime data).
// ---------------------------------------------------------------------------------------------

export const ProblemSchema = z.object({
  path: z.string().describe('The field: `desired`, `target.cluster`, `query.limit`, `headers.content-type`, `body`'),
  message: z.string(),
  value: z.unknown().optional(),
  severity: z.enum(['error', 'warning']).optional(),
});

export const ErrorBodySchema = z.object({
  error: z.string().describe('ValidationError, NotFound, MethodNotAllowed, Forbidden, Conflict, PreconditionFailed, TargetError, InternalError'),
  message: z.string().optional(),
  problems: z.array(ProblemSchema).optional(),
});

export const ReasonSchema = z.object({ code: z.string(), message: z.string() });

export const DecisionSchema = z
  .object({
    poolId: z.string(),
    at: z.number(),
    current: z.number(),
    desired: z.number(),
    action: z.enum(['scale_up', 'scale_down', 'none']),
    dryRun: z.boolean(),
    reasons: z.array(ReasonSchema),
    trigger: z.string().optional(),
  })
  .loose();

export const PoolSummarySchema = z.object({
  id: z.string(),
  target: z.string().describe('`ecs:cluster/service`, `host:host/pool` or `none`'),
  min: z.number(),
  max: z.number(),
  desired: z.number().optional(),
  ready: z.number().optional(),
  paused: z.boolean(),
  enabled: z.boolean(),
  dryRun: z.boolean(),
  lastEvaluatedAt: z.number().optional(),
  lastActionError: z.string().optional().describe('Why the last scaling action failed; absent once one succeeds'),
  lastAction: z
    .object({ at: z.number(), action: z.string(), current: z.number(), desired: z.number(), summary: z.string() })
    .optional(),
});

export const PoolListSchema = z.object({ pools: z.array(PoolSummarySchema) });

export const PoolDetailSchema = z.object({
  policy: z.record(z.string(), z.unknown()),
  revision: z.string().optional().describe('The policy revision; the `ETag` header is this value quoted. Send it back as `If-Match`'),
  state: z.record(z.string(), z.unknown()).optional(),
  lastDecision: DecisionSchema.optional(),
});

export const HistoryPageSchema = z.object({
  poolId: z.string(),
  decisions: z.array(DecisionSchema),
  next: z.string().optional().describe('Pass as `before` for the next (older) page'),
});

export const HealthSchema = z.object({ status: z.literal('ok'), time: z.string() });
