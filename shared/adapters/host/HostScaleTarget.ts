import { NotFoundError, ScaleTargetError } from '../../domain/errors';
import type { Policy } from '../../domain/policy';
import type { TargetStatus } from '../../domain/types';
import type { AgentStore } from '../../ports/AgentStore';
import type { ScaleRequest, ScaleTarget } from '../../ports/ScaleTarget';
import { updateAgentRecord } from './updateAgentRecord';

function hostTarget(pool: Policy) {
  if (pool.target.kind !== 'host') throw new ScaleTargetError(`Pool "${pool.id}" is not a host pool`, false);
  return pool.target;
}

/**
 * A worker pool on a bare-metal host. The evaluator cannot reach the host: it writes the
 * desired count on the host's agent record, and the agent picks it up with its next heartbeat.
 * Until the agent reports that count running, the target is not stable (no scale-in).
 */
export class HostScaleTarget implements ScaleTarget {
  readonly kinds = ['host'] as const;

  constructor(private readonly agents: AgentStore) {}

  async status(pool: Policy): Promise<TargetStatus> {
    const { host, pool: name } = hostTarget(pool);
    let record;
    try {
      record = await this.agents.get(host);
    } catch (error) {
      throw new ScaleTargetError(`Could not read agent "${host}"`, true, { cause: error });
    }
    if (!record) throw new ScaleTargetError(`Agent "${host}" is not registered`, false);
    const running = record.report?.pools[name]?.running;
    if (running === undefined) {
      const desired = record.desired[name] ?? 0;
      return { desired, ready: 0, pending: desired, stable: false, note: `agent "${host}" has not reported pool "${name}" yet` };
    }
    const desired = record.desired[name] ?? running;
    const stable = running === desired;
    return {
      desired,
      ready: running,
      pending: Math.max(0, desired - running),
      stable,
      ...(stable ? {} : { note: `agent "${host}" runs ${running} of ${desired} asked for pool "${name}"` }),
    };
  }

  async scale(pool: Policy, request: ScaleRequest): Promise<void> {
    const { host, pool: name } = hostTarget(pool);
    try {
      await updateAgentRecord(this.agents, host, (record) => ({ ...record, desired: { ...record.desired, [name]: request.desired } }));
    } catch (error) {
      if (error instanceof NotFoundError) throw new ScaleTargetError(error.message, false, { cause: error });
      throw new ScaleTargetError(`Could not set desired count for agent "${host}"`, true, { cause: error });
    }
  }
}
