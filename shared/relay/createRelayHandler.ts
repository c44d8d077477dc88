/**
 * The relay: the one HTTP endpoint agents talk to (`POST /agent/heartbeat`). It authenticates
 * the host, stores its report, evaluates the host's pools with the same runtime tick as every
 * other pool (state, conditional writes and history included) and answers with the desired
 * counts and policies of THIS host's pools only.
 *
 * Transport-free: the Lambda handler and the local runner adapt their own request shapes.
 */
import { AuthError } from '../domain/errors';
import type { Policy } from '../domain/policy';
import { HostMetricSource } from '../adapters/host/HostMetricSource';
import { HostScaleTarget } from '../adapters/host/HostScaleTarget';
import { updateAgentRecord } from '../adapters/host/updateAgentRecord';
import type { AgentRecord, AgentStore } from '../ports/AgentStore';
import type { Clock } from '../ports/Clock';
import type { DecisionLog } from '../ports/DecisionLog';
import type { MetricSource } from '../ports/MetricSource';
import type { PolicyStore } from '../ports/PolicyStore';
import type { ScaleTarget } from '../ports/ScaleTarget';
import type { StateStore } from '../ports/StateStore';
import { runTick, type RuntimeDeps, type RuntimeLogger } from '../runtime/tick';
import { ReplayError } from './errors';
import { HeartbeatSchema, type HeartbeatResponse } from './HeartbeatSchema';
import { verifyRequest } from './verifyRequest';

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

const json = (status: number, body: unknown): RelayResponse => ({
  status,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

/** The pools this host may see and change: listed on its record AND targeting this host. */
export async function ownedPools(policies: PolicyStore, record: AgentRecord): Promise<Policy[]> {
  const found = await Promise.all(record.poolIds.map((id) => policies.get(id)));
  return found.filter(
    (policy): policy is Policy => policy !== undefined && policy.target.kind === 'host' && policy.target.host === record.hostId,
  );
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
      throw error;
    }

    let parsed;
    try {
      parsed = HeartbeatSchema.safeParse(JSON.parse(request.body));
    } catch {
      return json(400, { error: 'Body is not JSON' });
    }
    if (!parsed.success) {
      return json(400, { error: 'Invalid heartbeat', problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    }
    // The relay's clock dates the report: staleness is then judged on one clock, whatever the host's.
    const report = { ...parsed.data.report, at: now };
    await updateAgentRecord(deps.agents, record.hostId, (current) => ({ ...current, report, lastSeenAt: now }));

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
      answer.policies[name] = policy;
      const desired = latest.desired[name];
      if (desired !== undefined) answer.desired[name] = desired;
    }
    return json(200, answer);
  };
}
