import { NotFoundError, ScaleTargetError } from '../../domain/errors';
import type { Policy } from '../../domain/policy';
import type { TargetStatus } from '../../domain/types';
import type { AgentStore } from '../../ports/AgentStore';
import type { ScaleRequest, ScaleTarget } from '../../ports/ScaleTarget';

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
    // Own properties only: a pool may be named "constructor" or "toString".
    const own = <T>(map: Record<string, T> | undefined): T | undefined => (map && Object.hasOwn(map, name) ? map[name] : undefined);
    const running = own(record.report?.pools)?.running;
    if (running === undefined) {
      const desired = own(record.desired) ?? 0;
      return { desired, ready: 0, pending: desired, stable: false, note: `agent "${host}" has not reported pool "${name}" yet` };
    }
    const desired = own(record.desired) ?? running;
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
      // One merging write of this pool's count: the other pools of the host never conflict with it.
      await this.agents.setDesired(host, name, request.desired);
    } catch (error) {
      if (error instanceof NotFoundError) throw new ScaleTargetError(error.message, false, { cause: error });
      throw new ScaleTargetError(`Could not set desired count for agent "${host}"`, true, { cause: error });
    }
  }
}
