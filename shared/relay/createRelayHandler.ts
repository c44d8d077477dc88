/**
 * The relay: the one HTTP endpoint agents talk to (`POST /agent/heartbeat`). It authenticates
 * the host, stores its report, evaluates the host's pools with the same runtime tick as every
 * other pool (state, conditional writes and history included) and answers with the desired
 * counts and policies of THIS host's pools only.
 *
 * Transport-free: the Lambda handler and the local runner adapt their own request shapes.
 */
import { AuthError, NotFoundError, ValidationError } from '../domain/errors';
import type { Policy } from '../domain/policy';
import { HostMetricSource } from '../adapters/host/HostMetricSource';
import { HostScaleTarget } from '../adapters/host/HostScaleTarget';
import { NonceStoreFullError, type AgentRecord, type AgentStore } from '../ports/AgentStore';
import type { Clock } from '../ports/Clock';
import type { DecisionLog } from '../ports/DecisionLog';
import type { MetricSource } from '../ports/MetricSource';
import type { PolicyStore } from '../ports/PolicyStore';
import type { ScaleTarget } from '../ports/ScaleTarget';
import type { StateStore } from '../ports/StateStore';
import { runTick, type RuntimeDeps, type RuntimeLogger } from '../runtime/tick';
import { ReplayError } from './errors';
import { HeartbeatSchema, type HeartbeatResponse } from './HeartbeatSchema';
import { NONCE_HEADER } from './headers';
import { signResponse } from './signRequest';
import { header, verifyRequest } from './verifyRequest';

export interface RelayRequest {
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body: string;
}

export interface RelayResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RelayDeps {
  agents: AgentStore;
  policies: PolicyStore;
  states: StateStore;
  log: DecisionLog;
  clock: Clock;
  /** Further metric sources a host pool may use besides `host` (e.g. Redis). */
  metrics?: MetricSource[];
  /** Further targets; host pools are served by a HostScaleTarget on `agents`. */
  targets?: ScaleTarget[];
  logger?: RuntimeLogger;
  onDecision?: RuntimeDeps['onDecision'];
  maxSkewMs?: number;
}

export type RelayHandler = (request: RelayRequest) => Promise<RelayResponse>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RelayResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

/** An answer to an authenticated host, signed with its secret for this request (see signResponse). */
const signedJson = (record: AgentRecord, requestNonce: string, now: number, status: number, body: unknown): RelayResponse => {
  const text = JSON.stringify(body);
  return { ...json(status, body, signResponse(record.secret, requestNonce, text, now)), body: text };
};

/** The pools this host may see and change: listed on its record AND targeting this host. */
export async function ownedPools(policies: PolicyStore, record: AgentRecord): Promise<Policy[]> {
  const found = await Promise.all(record.poolIds.map((id) => policies.get(id)));
  return found.filter(
    (policy): policy is Policy => policy !== undefined && policy.target.kind === 'host' && policy.target.host === record.hostId,
  );
}

/** The path of the first own `__proto__` key in parsed JSON (depth-limited), or undefined. */
function protoKeyPath(value: unknown, path = '', depth = 0): string | undefined {
  if (value === null || typeof value !== 'object' || depth > 8) return undefined;
  for (const key of Object.keys(value)) {
    const here = path ? `${path}.${key}` : key;
    if (key === '__proto__') return here;
    const found = protoKeyPath((value as Record<string, unknown>)[key], here, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function createRelayHandler(deps: RelayDeps): RelayHandler {
  const hostTarget = new HostScaleTarget(deps.agents);
  const runtime: RuntimeDeps = {
    policies: deps.policies,
    states: deps.states,
    log: deps.log,
    clock: deps.clock,
    metrics: [new HostMetricSource(deps.agents, deps.policies), ...(deps.metrics ?? [])],
    targets: [hostTarget, ...(deps.targets ?? [])],
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.onDecision ? { onDecision: deps.onDecision } : {}),
  };

  return async (request) => {
    const path = request.path.replace(/\/+$/, '');
    if (!path.endsWith('/agent/heartbeat')) return json(404, { error: 'Not found' });
    if (request.method.toUpperCase() !== 'POST') return json(405, { error: 'Use POST' });

    const now = deps.clock.now();
    let record: AgentRecord;
    try {
      record = await verifyRequest({ headers: request.headers, body: request.body, now, agents: deps.agents, maxSkewMs: deps.maxSkewMs });
    } catch (error) {
      if (error instanceof ReplayError) return json(409, { error: error.message });
      if (error instanceof AuthError) return json(401, { error: error.message });
      if (error instanceof NonceStoreFullError) return json(429, { error: error.message }, { 'retry-after': '5' });
      throw error;
    }
    // Verified above: the nonce header is present and well formed.
    const nonce = header(request.headers, NONCE_HEADER)!;
    const answerWith = (status: number, body: unknown) => signedJson(record, nonce, now, status, body);

    let input: unknown;
    try {
      input = JSON.parse(request.body);
    } catch {
      return answerWith(400, { error: 'Body is not JSON' });
    }
    // A "__proto__" key would be dropped silently by the schema: refuse it by name instead.
    const proto = protoKeyPath(input);
    if (proto) return answerWith(400, { error: 'Invalid heartbeat', problems: [`${proto}: the name "__proto__" is not allowed`] });
    const parsed = HeartbeatSchema.safeParse(input);
    if (!parsed.success) {
      return answerWith(400, { error: 'Invalid heartbeat', problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    // The relay's clock dates the report: staleness is then judged on one clock, whatever the host's.
    const report = { ...parsed.data.report, at: now };
    try {
      // One merging write: concurrent heartbeats and the pools' desired counts never conflict with it.
      await deps.agents.recordReport(record.hostId, report, now);
    } catch (error) {
      // Removed (`poolscale hosts remove`) between the check and the write: no longer a host.
      if (error instanceof NotFoundError) return json(401, { error: 'Bad signature' });
      // A value the store cannot hold (a number beyond DynamoDB's range): the agent's input, 400.
      if (error instanceof ValidationError) return answerWith(400, { error: 'Invalid heartbeat', problems: error.problems.map((p) => `${p.path}: ${p.message}`) });
      throw error;
    }

    const pools = await ownedPools(deps.policies, record);
    if (pools.length > 0) {
      try {
        await runTick(runtime, { poolIds: pools.map((p) => p.id), trigger: `heartbeat:${record.hostId}` });
      } catch (error) {
        // The agent still gets the last desired counts; the next heartbeat evaluates again.
        deps.logger?.error('host evaluation failed', { hostId: record.hostId, error: error instanceof Error ? error.message : String(error) });
      }
    }

    const latest = (await deps.agents.get(record.hostId)) ?? record;
    const answer: HeartbeatResponse = { desired: {}, policies: {}, serverTime: now };
    for (const policy of pools) {
      if (policy.target.kind !== 'host') continue;
      const name = policy.target.pool;
      Object.defineProperty(answer.policies, name, { value: policy, enumerable: true });
      // Own properties only: a pool may be named "constructor".
      if (Object.hasOwn(latest.desired, name)) Object.defineProperty(answer.desired, name, { value: latest.desired[name], enumerable: true });
    }
    return answerWith(200, answer);
  };
}
