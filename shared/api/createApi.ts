import { toNativePolicy } from '../config/format';
import { dashboardResponse } from '../dashboard/page';
import type { z } from 'zod';
import { AuthError, ConflictError, NotFoundError, PreconditionFailedError, ScaleTargetError, ValidationError, type FieldProblem } from '../domain/errors';
import { POOL_ID_PATTERN } from '../domain/policy';
import { historyCursor } from '../ports/DecisionLog';
import type { PolicyWriteCondition } from '../ports/PolicyStore';
import { deletePolicy, getPool, history, listPools, pause, putPolicy, resume, setManual } from '../runtime/operations';
import { openApiDocument } from './openApiDocument';
import { poolSummary } from './poolViews';
import { targetStatuses } from './targetStatuses';
import { problemsFromZod } from './problems';
import { errorResponse, json, validationResponse } from './respond';
import {
  HISTORY_DEFAULT_LIMIT,
  HistoryQuerySchema,
  MAX_BODY_BYTES,
  PauseBodySchema,
  ResumeBodySchema,
  ScaleBodySchema,
} from './schemas';
import type { ApiDeps, ApiHandler, ApiRequest, ApiResponse, RouteContext } from './types';

/** What a route handler gets: the request, its pool id (if the route has one) and the deps. */
export interface RouteCall {
  request: ApiRequest;
  poolId: string;
  deps: ApiDeps;
}

export type RouteHandler = (call: RouteCall) => Promise<ApiResponse>;

export interface Route {
  template: string;
  pattern: RegExp;
  methods: Partial<Record<string, RouteHandler>>;
}

/**
 * A route from its template: `{id}` matches one path segment (the pool id, percent-decoded).
 * @example route('/hosts/{id}', { GET: getHostRoute })
 */
export function route(template: string, methods: Route['methods']): Route {
  const source = template
    .split('{id}')
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('([^/]+)');
  return { template, pattern: new RegExp(`^${source}$`), methods };
}

/** Thrown inside the router for a refused request; turned into a 400/413 response. */
class RequestProblem extends Error {
  constructor(
    readonly problems: FieldProblem[],
    readonly status = 400,
  ) {
    super('request problem');
  }
}

const problem = (path: string, message: string, value?: unknown): FieldProblem => ({ path, message, value, severity: 'error' });

/** Methods that change something and carry a JSON body: they require a JSON content type. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

const routes: Route[] = [
  route('/health', { GET: async () => json(200, { status: 'ok', time: new Date().toISOString() }) }),
  route('/openapi.json', { GET: async () => json(200, openApiDocument()) }),
  // The dashboard page: it calls the routes above relative to where it is served.
  // Page, script, stylesheet and icon with their CSP; `/dashboard/` redirects so relative links resolve.
  route('/dashboard', { GET: async ({ request }) => dashboardResponse(request.path)! }),
  route('/dashboard/app.js', { GET: async () => dashboardResponse('/dashboard/app.js')! }),
  route('/dashboard/app.css', { GET: async () => dashboardResponse('/dashboard/app.css')! }),
  route('/favicon.ico', { GET: async () => dashboardResponse('/favicon.ico')! }),
  route('/pools', { GET: listPoolsRoute }),
  route('/pools/{id}', { GET: getPoolRoute, PUT: putPoolRoute, DELETE: deletePoolRoute }),
  route('/pools/{id}/history', { GET: historyRoute }),
  route('/pools/{id}/scale', { POST: scaleRoute }),
  route('/pools/{id}/pause', { POST: pauseRoute }),
  route('/pools/{id}/resume', { POST: resumeRoute }),
];

export interface ApiOptions {
  /** More routes (matched after the built-in ones), e.g. operator routes of another module. */
  routes?: readonly Route[];
}

/**
 * The poolscale HTTP API as a plain function: no framework, so the same router serves API
 * Gateway (functions/api.ts), a local server and tests.
 *
 * Client input never produces a 5xx: bad JSON, a wrong content type, an oversized body or a
 * schema problem is a 400 (413 for size) naming each field. POST and PUT require a JSON
 * content type even without a body, so a cross-site form cannot reach them. A stale
 * `If-Match` is a 412, a conflict with another writer or the pool's state a 409, a target that
 * refused a manual scale a 502 with its error; only an unexpected failure of a store is a 500,
 * with a generic message and the error reported.
 *
 * @example
 * const api = createApi(deps);
 * const response = await api({ method: 'GET', path: '/pools', query: {}, headers: {} });
 */
export function createApi(deps: ApiDeps, options: ApiOptions = {}): ApiHandler {
  const table = [...routes, ...(options.routes ?? [])];
  return async (request) => {
    const method = request.method.toUpperCase();
    const path = normalisePath(request.path);
    try {
      const match = matchRoute(table, path);
      if (!match) return errorResponse(404, 'NotFound', `No route for ${truncate(path)}`);
      const handler = match.route.methods[method];
      if (!handler) {
        const allow = Object.keys(match.route.methods).join(', ');
        return errorResponse(405, 'MethodNotAllowed', `${truncate(method)} is not allowed on ${match.route.template}; use ${allow}`, { allow });
      }
      const poolId = match.rawId === undefined ? '' : decodePoolId(match.rawId);
      const context: RouteContext = { method, route: match.route.template, principal: request.principal, ...(poolId ? { poolId } : {}) };
      if (deps.authorize && (await deps.authorize(context)) === false) {
        return errorResponse(403, 'Forbidden', 'Not allowed');
      }
      return await handler({ request, poolId, deps });
    } catch (error) {
      return errorToResponse(error, deps, { method, path });
    }
  };
}

function errorToResponse(error: unknown, deps: ApiDeps, context: { method: string; path: string }): ApiResponse {
  if (error instanceof RequestProblem) return validationResponse(error.problems, error.status);
  if (error instanceof ValidationError) {
    const problems = error.problems.length > 0 ? error.problems : [problem('body', error.message)];
    return validationResponse(problems);
  }
  if (error instanceof NotFoundError) return errorResponse(404, 'NotFound', error.message);
  if (error instanceof PreconditionFailedError) {
    return errorResponse(412, 'PreconditionFailed', error.message, error.current === undefined ? {} : { etag: etag(error.current) });
  }
  if (error instanceof ConflictError) return errorResponse(409, 'Conflict', error.message);
  if (error instanceof ScaleTargetError) return errorResponse(502, 'TargetError', error.message);
  if (error instanceof AuthError) return errorResponse(403, 'Forbidden', error.message);
  (deps.reportError ?? defaultReport)(error, context);
  return errorResponse(500, 'InternalError', 'Internal error; it has been logged');
}

function defaultReport(error: unknown, context: { method: string; path: string }): void {
  console.error('poolscale api: unexpected error', context, error);
}

function normalisePath(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return trimmed === '' ? '/' : trimmed;
}

function matchRoute(table: readonly Route[], path: string): { route: Route; rawId?: string } | undefined {
  for (const candidate of table) {
    const found = candidate.pattern.exec(path);
    if (found) return { route: candidate, rawId: found[1] };
  }
  return undefined;
}

/** A path id that cannot be a pool id cannot name an existing pool: 404, not a crash. */
function decodePoolId(raw: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw new RequestProblem([problem('path.id', 'Malformed percent-encoding in the pool id', truncate(raw))]);
  }
  return id;
}

function requireKnownId(id: string): void {
  if (!POOL_ID_PATTERN.test(id)) throw new NotFoundError(`No pool "${truncate(id)}"`);
}

function truncate(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Body and query parsing
// ---------------------------------------------------------------------------------------------

/**
 * The JSON body, or `undefined` when there is none. Refuses an oversized body (413), a request
 * of a changing method (POST, PUT) not declared `application/json` even when it has no body
 * (a cross-site form post cannot declare it), and malformed JSON.
 */
function readJsonBody(request: ApiRequest): unknown {
  const body = request.body ?? '';
  // UTF-8 never takes fewer bytes than UTF-16 code units, so the cheap check comes first.
  const bytes = body.length > MAX_BODY_BYTES ? body.length : new TextEncoder().encode(body).length;
  if (bytes > MAX_BODY_BYTES) {
    throw new RequestProblem([problem('body', `Body is larger than ${MAX_BODY_BYTES} bytes`, bytes)], 413);
  }
  const contentType = header(request, 'content-type');
  if ((BODY_METHODS.has(request.method.toUpperCase()) || body.trim() !== '') && !isJsonContentType(contentType)) {
    throw new RequestProblem([problem('headers.content-type', 'Expected content-type application/json', contentType ?? null)]);
  }
  if (body.trim() === '') return undefined;
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new RequestProblem([problem('body', `Malformed JSON: ${(error as Error).message}`)]);
  }
}

function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function header(request: ApiRequest, name: string): string | undefined {
  for (const [key, value] of Object.entries(request.headers ?? {})) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

function parseWith<S extends z.ZodType>(schema: S, input: unknown, prefix?: string): z.output<S> {
  const result = schema.safeParse(input);
  if (!result.success) throw new RequestProblem(problemsFromZod(result.error, input, prefix));
  return result.data;
}

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

async function listPoolsRoute({ deps, request }: RouteCall): Promise<ApiResponse> {
  const pools = await listPools(deps);
  // `?status=false` skips the live target reads (one DescribeServices per 10 ECS pools).
  const live = request.query?.status === 'false' ? new Map() : await targetStatuses(deps.targets, pools.map((pool) => pool.policy));
  return json(200, { pools: pools.map((pool) => poolSummary(pool, live.get(pool.policy.id)?.ready)) });
}

/** Policy, state without its bulky learning data, and the last decision with its reasons. */
/**
 * A pool as the API shows it. The policy is in its written form (durations as "5m"), the form
 * PUT accepts, so GET -> edit -> PUT round-trips; parsed policies hold milliseconds, which PUT
 * would read as seconds.
 */
async function poolDetail(deps: ApiDeps, poolId: string) {
  const view = await getPool(deps, poolId);
  return { ...view, policy: toNativePolicy(view.policy) };
}

async function getPoolRoute({ deps, poolId }: RouteCall): Promise<ApiResponse> {
  requireKnownId(poolId);
  return poolResponse(200, await poolDetail(deps, poolId));
}

/** A pool with its revision as the ETag header (also `revision` in the body, for clients that cannot read headers). */
function poolResponse(status: number, detail: Awaited<ReturnType<typeof poolDetail>>, extra: Record<string, unknown> = {}): ApiResponse {
  return json(status, { ...detail, ...extra }, detail.revision === undefined ? {} : { etag: etag(detail.revision) });
}

async function putPoolRoute({ deps, poolId, request }: RouteCall): Promise<ApiResponse> {
  const body = readJsonBody(request);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestProblem([problem('body', 'Expected a pool policy object', body === undefined ? undefined : Array.isArray(body) ? '(array)' : body)]);
  }
  const input = body as Record<string, unknown>;
  if (input.id !== undefined && input.id !== poolId) {
    throw new RequestProblem([problem('id', `The body id must match the path id "${truncate(poolId)}" or be absent`, input.id)]);
  }
  const condition = writeCondition(request, { allowNoneMatch: true });
  await putPolicy(deps, { ...input, id: poolId }, condition);
  return poolResponse(200, await poolDetail(deps, poolId));
}

async function deletePoolRoute({ deps, poolId, request }: RouteCall): Promise<ApiResponse> {
  requireKnownId(poolId);
  const { revision } = writeCondition(request, { allowNoneMatch: false });
  await deletePolicy(deps, poolId, revision === undefined ? {} : { revision });
  return { status: 204, headers: {}, body: '' };
}

/** An ETag from a policy revision (a strong tag: the policy is byte-for-byte that revision). */
const etag = (revision: string): string => `"${revision}"`;

const ENTITY_TAG = /^"([\x21\x23-\x7e]*)"$/;

/**
 * The write condition of `If-Match` (one strong ETag, or `*`: the pool must exist) and, on PUT,
 * `If-None-Match: *` (the pool must not exist yet). Without them the write is unconditional.
 */
function writeCondition(request: ApiRequest, options: { allowNoneMatch: boolean }): PolicyWriteCondition {
  const condition: PolicyWriteCondition = {};
  const ifMatch = header(request, 'if-match')?.trim();
  if (ifMatch !== undefined && ifMatch !== '') {
    if (ifMatch === '*') condition.exists = true;
    else {
      const tag = ENTITY_TAG.exec(ifMatch)?.[1];
      if (tag === undefined) {
        const why = ifMatch.startsWith('W/') ? 'a weak tag cannot guard a write' : ifMatch.includes(',') ? 'only one tag is accepted' : 'expected a quoted tag';
        throw new RequestProblem([problem('headers.if-match', `Expected one ETag as returned by GET, e.g. "abc123", or * (${why})`, truncate(ifMatch))]);
      }
      condition.revision = tag;
    }
  }
  const ifNoneMatch = header(request, 'if-none-match')?.trim();
  if (ifNoneMatch !== undefined && ifNoneMatch !== '') {
    if (!options.allowNoneMatch || ifNoneMatch !== '*') {
      throw new RequestProblem([problem('headers.if-none-match', options.allowNoneMatch ? 'Only If-None-Match: * (create, never replace) is supported' : 'If-None-Match is not supported here', truncate(ifNoneMatch))]);
    }
    condition.absent = true;
  }
  return condition;
}

async function historyRoute({ deps, poolId, request }: RouteCall): Promise<ApiResponse> {
  requireKnownId(poolId);
  const query = parseWith(HistoryQuerySchema, pickQuery(request, ['limit', 'before']), 'query');
  const limit = query.limit ?? HISTORY_DEFAULT_LIMIT;
  const before = query.before === undefined ? {} : typeof query.before === 'string' ? { cursor: query.before } : { before: query.before };
  const decisions = await history(deps, poolId, { limit, ...before });
  const last = decisions.at(-1);
  return json(200, { poolId, decisions, ...(decisions.length === limit && last ? { next: historyCursor(last) } : {}) });
}

async function scaleRoute({ deps, poolId, request }: RouteCall): Promise<ApiResponse> {
  requireKnownId(poolId);
  const body = parseWith(ScaleBodySchema, readJsonBody(request));
  // setManual checks the pool's bounds (400 naming `desired`), applies through a forced tick and
  // throws when this request's change was not applied: 409 (conflict, paused), 502 (target).
  const outcome = await setManual(deps, poolId, {
    desired: body.desired,
    reason: body.reason,
    ...(body.durationSeconds === undefined ? {} : { durationMs: body.durationSeconds * 1_000 }),
    ...(request.principal ? { by: request.principal } : {}),
  });
  const applied = { acted: outcome.acted, ...(outcome.decision ? { desired: outcome.decision.desired, decidedAt: outcome.decision.at, dryRun: outcome.decision.dryRun } : {}) };
  return poolResponse(200, await poolDetail(deps, poolId), { outcome: applied });
}

async function pauseRoute({ deps, poolId, request }: RouteCall): Promise<ApiResponse> {
  requireKnownId(poolId);
  const body = parseWith(PauseBodySchema, readJsonBody(request) ?? {});
  await pause(deps, poolId, { reason: body.reason ?? 'paused through the API', ...(request.principal ? { by: request.principal } : {}) });
  return poolResponse(200, await poolDetail(deps, poolId));
}

async function resumeRoute({ deps, poolId, request }: RouteCall): Promise<ApiResponse> {
  requireKnownId(poolId);
  const body = parseWith(ResumeBodySchema, readJsonBody(request) ?? {});
  const result = await resume(deps, poolId, { ...(request.principal ? { by: request.principal } : {}), ...(body.clearManual ? { clearManual: true } : {}) });
  const message = [
    result.wasPaused ? 'Resumed' : 'The pool was not paused',
    ...(result.manualCleared ? ['the manual override was cleared'] : []),
    ...(result.manual ? [`a manual override to ${result.manual.desired} stays in force (send {"clearManual": true} to end it)`] : []),
  ].join('; ');
  return poolResponse(200, await poolDetail(deps, poolId), {
    resume: { wasPaused: result.wasPaused, manualCleared: result.manualCleared, manualKept: result.manual !== undefined, message },
  });
}

/** Only the named parameters, so unrelated ones (cache busters) are ignored. */
function pickQuery(request: ApiRequest, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = request.query?.[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
