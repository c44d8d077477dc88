/**
 * Operator routes for hosts (the agents that report to the relay): enrol, list, show, remove,
 * rotate the secret. Behind the same IAM authorizer as the other operator routes on AWS.
 *
 *   GET    /hosts                      every host, without secrets
 *   POST   /hosts                      {"hostId": "r620-01", "poolIds": ["celery"]} -> 201, the secret once
 *   GET    /hosts/{id}                 one host, without its secret
 *   DELETE /hosts/{id}                 204 (the host's heartbeats are refused from then on)
 *   POST   /hosts/{id}/rotate-secret   200, the new secret once (the old one stops working at once)
 *
 * A secret appears in exactly two answers, enrolment and rotation, and never in a listing; the
 * store may keep it sealed (AGENT_SECRET_KEY, see shared/relay/secretBox.ts).
 *
 * `hostRoutes` are createApi routes: `createApi({ ...deps, agents }, { routes: hostRoutes })`
 * (the `{id}` of the path arrives as `poolId`; `deps.agents` is the store).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError, type FieldProblem } from '../domain/errors';
import { POOL_ID_PATTERN } from '../domain/policy';
import { updateAgentRecord } from '../adapters/host/updateAgentRecord';
import type { AgentRecord, AgentStore, AgentSummary } from '../ports/AgentStore';
import { HOST_ID_RULE, hostIdProblem } from '../relay/hostId';
import { route, type Route } from './createApi';
import { errorResponse, json, validationResponse } from './respond';
import { MAX_BODY_BYTES } from './schemas';
import type { ApiRequest, ApiResponse } from './types';

/** What the host routes need from the API's deps. */
export interface HostRouteDeps {
  agents?: AgentStore;
  clock?: { now(): number };
}

export interface HostRouteCall {
  request: ApiRequest;
  /** The `{id}` of the path, decoded (createApi's router names it poolId). */
  poolId: string;
  deps: HostRouteDeps;
}

export type HostRouteHandler = (call: HostRouteCall) => Promise<ApiResponse>;


/** Secrets are 32 random bytes, base64url (43 characters). */
export const newAgentSecret = (): string => randomBytes(32).toString('base64url');

const MAX_POOLS_PER_HOST = 200;

const AddHostSchema = z.strictObject({
  hostId: z.string().superRefine((value, context) => {
    const problem = hostIdProblem(value);
    if (problem) context.addIssue({ code: 'custom', message: problem });
  }),
  poolIds: z
    .array(z.string().regex(POOL_ID_PATTERN, 'must be a pool id: lower-case letters, digits, "_" and "-", at most 63 characters'))
    .max(MAX_POOLS_PER_HOST)
    .default([]),
});

const problem = (path: string, message: string, value?: unknown): FieldProblem => ({ path, message, ...(value === undefined ? {} : { value }), severity: 'error' });

class HostRequestProblem extends Error {
  constructor(
    readonly problems: FieldProblem[],
    readonly status = 400,
  ) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join('; '));
  }
}

function agentsOf(deps: HostRouteDeps): AgentStore {
  if (!deps.agents) throw new HostsUnavailable();
  return deps.agents;
}

/** The API was built without an agent store (a deployment without hosts wiring). */
class HostsUnavailable extends Error {}

function readBody(request: ApiRequest): unknown {
  const body = request.body ?? '';
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) throw new HostRequestProblem([problem('body', `Body is larger than ${MAX_BODY_BYTES} bytes`)], 413);
  const type = Object.entries(request.headers ?? {}).find(([key]) => key.toLowerCase() === 'content-type')?.[1];
  if (!type || type.split(';')[0]!.trim().toLowerCase() !== 'application/json') {
    throw new HostRequestProblem([problem('headers.content-type', 'Expected content-type application/json', type ?? null)]);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (error) {
    throw new HostRequestProblem([problem('body', `Malformed JSON: ${(error as Error).message}`)]);
  }
}

function requireHostId(id: string): void {
  // Not a host id: it cannot name a host (and never another item of the agents table).
  if (hostIdProblem(id)) throw new NotFoundError(`No host ${JSON.stringify(id.length > 100 ? `${id.slice(0, 100)}...` : id)}`);
}

/** A host as the API shows it: never the secret, even if a store handed one over. */
function view(record: AgentSummary | AgentRecord): AgentSummary {
  const { secret: _secret, ...rest } = record as AgentRecord;
  return rest;
}

async function listHosts({ deps }: HostRouteCall): Promise<ApiResponse> {
  return json(200, { hosts: (await agentsOf(deps).list()).map(view) });
}

async function addHost({ deps, request }: HostRouteCall): Promise<ApiResponse> {
  const input = readBody(request);
  const parsed = AddHostSchema.safeParse(input);
  if (!parsed.success) {
    throw new HostRequestProblem(
      parsed.error.issues.map((issue) => {
        const path = issue.path.join('.') || 'body';
        let value: unknown = input;
        for (const key of issue.path) value = value && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
        return problem(path, issue.message, typeof value === 'object' ? undefined : value);
      }),
    );
  }
  const agents = agentsOf(deps);
  const now = deps.clock?.now() ?? Date.now();
  const secret = newAgentSecret();
  const record: AgentRecord = { hostId: parsed.data.hostId, secret, poolIds: [...new Set(parsed.data.poolIds)], desired: {}, version: 1, createdAt: now, secretRotatedAt: now };
  try {
    await agents.put(record, 0);
  } catch (error) {
    if (error instanceof ConflictError) {
      return errorResponse(409, 'Conflict', `Host "${record.hostId}" is already enrolled; use rotate-secret for a new secret, or remove it first`);
    }
    throw error;
  }
  return json(201, { host: view(record), secret, note: 'The secret is shown once: put it in the agent config (secretFile or POOLSCALE_AGENT_SECRET).' }, { location: `/hosts/${record.hostId}` });
}

async function getHost({ deps, poolId: hostId }: HostRouteCall): Promise<ApiResponse> {
  requireHostId(hostId);
  const record = await agentsOf(deps).get(hostId);
  if (!record) throw new NotFoundError(`No host "${hostId}"`);
  return json(200, view(record));
}

async function removeHost({ deps, poolId: hostId }: HostRouteCall): Promise<ApiResponse> {
  requireHostId(hostId);
  if (!(await agentsOf(deps).delete(hostId))) throw new NotFoundError(`No host "${hostId}"`);
  return { status: 204, headers: { 'cache-control': 'no-store' }, body: '' };
}

async function rotateSecret({ deps, poolId: hostId, request }: HostRouteCall): Promise<ApiResponse> {
  requireHostId(hostId);
  if ((request.body ?? '').trim() !== '') readBody(request);
  const secret = newAgentSecret();
  const now = deps.clock?.now() ?? Date.now();
  // A whole-record write (version-guarded, retried with backoff): the secret and its date together.
  const record = await updateAgentRecord(agentsOf(deps), hostId, (current) => ({ ...current, secret, secretRotatedAt: now }));
  return json(200, { host: view(record), secret, note: 'The secret is shown once; the old one no longer works.' });
}

/**
 * Each route answers its own client errors (400/404/409/413/501), so a router that knows
 * nothing of them (createApi) only ever sees unexpected failures, which it reports as 500.
 */
const guarded =
  (handler: HostRouteHandler): HostRouteHandler =>
  async (call) => {
    try {
      return await handler(call);
    } catch (error) {
      const answer = hostErrorResponse(error);
      if (answer) return answer;
      throw error;
    }
  };

/** For createApi: `createApi({ ...deps, agents }, { routes: hostRoutes })`. */
export const hostRoutes: Route[] = [
  route('/hosts', { GET: guarded(listHosts), POST: guarded(addHost) }),
  route('/hosts/{id}', { GET: guarded(getHost), DELETE: guarded(removeHost) }),
  route('/hosts/{id}/rotate-secret', { POST: guarded(rotateSecret) }),
];

/**
 * Turns what a host route threw into an answer, or undefined for errors the caller's own
 * error handling keeps (createApi's: 500 with the error reported).
 */
export function hostErrorResponse(error: unknown): ApiResponse | undefined {
  if (error instanceof HostRequestProblem) return validationResponse(error.problems, error.status);
  if (error instanceof ValidationError) return validationResponse(error.problems.length > 0 ? error.problems : [problem('body', error.message)]);
  if (error instanceof NotFoundError) return errorResponse(404, 'NotFound', error.message);
  if (error instanceof ConflictError) return errorResponse(409, 'Conflict', 'The host changed at the same time; retry');
  if (error instanceof HostsUnavailable) return errorResponse(501, 'NotImplemented', 'This API has no agent store: hosts cannot be managed here');
  return undefined;
}

export { HOST_ID_RULE };
