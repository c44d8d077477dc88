import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../../shared/adapters/memory';
import { parsePolicy } from '../../shared/config/validate';
import type { Policy } from '../../shared/domain/policy';
import type { HostReport } from '../../shared/ports/AgentStore';
import { createRelayHandler } from '../../shared/relay/createRelayHandler';
import type { HeartbeatInput } from '../../shared/relay/HeartbeatSchema';
import { signRequest } from '../../shared/relay/signRequest';

export const SECRET_A = 'secret-of-host-a-0123456789';
export const SECRET_B = 'secret-of-host-b-0123456789';

/** Seed 001 on a Dell R620: memory fit, 6 GB per worker, 4 GB reserve, 2..8 workers. */
export function memoryPolicy(id: string, host: string, pool: string, overrides: Record<string, unknown> = {}): Policy {
  return parsePolicy({
    id,
    target: { kind: 'host', host, pool },
    min: 2,
    max: 8,
    interval: '1s',
    metrics: { mem_available_gb: { source: 'host', type: 'mem_available_gb' } },
    rules: [{ type: 'memory', perWorkerGb: 6, reserveGb: 4 }],
    behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
    ...overrides,
  });
}

export function report(memAvailableGb: number, pools: HostReport['pools'], at = 0): HostReport {
  return { at, memAvailableGb, memTotalGb: 64, cpu: 20, load1: 1, pools };
}

let nonceCounter = 0;
export function signed(
  hostId: string,
  secret: string,
  body: HeartbeatInput | string,
  now: number,
  nonce = `nonce-${++nonceCounter}-abcdef`,
) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { method: 'POST', path: '/agent/heartbeat', headers: signRequest({ hostId, secret, body: text, now, nonce }), body: text };
}

/** A relay over in-memory stores with hosts `a` (pool a-web on "web") and `b` (pool b-web on "web"). */
export async function relayWorld(start = 1_700_000_000_000) {
  let now = start;
  const clock = { now: () => now };
  const agents = new MemoryAgentStore(() => now);
  const policies = new MemoryPolicyStore([memoryPolicy('a-web', 'a', 'web'), memoryPolicy('b-web', 'b', 'web')]);
  const states = new MemoryStateStore();
  const log = new MemoryDecisionLog();
  await agents.put({ hostId: 'a', secret: SECRET_A, poolIds: ['a-web'], desired: {}, version: 1 }, 0);
  await agents.put({ hostId: 'b', secret: SECRET_B, poolIds: ['b-web'], desired: { web: 3 }, version: 1 }, 0);
  const handler = createRelayHandler({ agents, policies, states, log, clock });
  return {
    handler,
    agents,
    policies,
    states,
    log,
    clock,
    advance: (ms: number) => (now += ms),
    now: () => now,
  };
}
