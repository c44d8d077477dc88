/**
 * The whole control plane on one machine (`poolscale up`): embedded DynamoDB-compatible
 * storage, the runtime tick on a timer, the HTTP API and relay served locally with the same
 * handlers as the Lambdas, Redis metrics, and host pools through the relay.
 */
import { createApi } from '../api';
import { HostMetricSource } from '../adapters/host/HostMetricSource';
import { HostScaleTarget } from '../adapters/host/HostScaleTarget';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore, NoneTarget, StaticMetricSource } from '../adapters/memory';
import { RedisMetricSource } from '../adapters/redis/RedisMetricSource';
import { redisRunnerFromConfig } from '../adapters/redis/fromEnv';
import type { Config, Policy } from '../domain/policy';
import type { Decision, TargetStatus } from '../domain/types';
import type { AgentStore } from '../ports/AgentStore';
import type { MetricSource } from '../ports/MetricSource';
import { createRelayHandler } from '../relay';
import { type RuntimeDeps, type RuntimeLogger, runTick } from '../runtime/tick';
import { startEmbeddedStorage } from './embeddedStorage';
import { type LocalServer, type Route, startHttpServer } from './httpServer';

export interface ControlPlaneOptions {
  config: Config;
  /** Data folder for the embedded storage; undefined keeps everything in memory. */
  dataDir?: string;
  port: number;
  redisUrl: string;
  /** How often the tick runs; each pool is evaluated when its own interval is due. */
  tickMs: number;
  logger?: RuntimeLogger;
  onDecision?: (decision: Decision, policy: Policy, status?: TargetStatus) => void;
  /** Extra HTTP routes (the dashboard). */
  routes?: Route[];
}

export interface ControlPlane {
  url: string;
  deps: RuntimeDeps;
  agents: AgentStore;
  /** Runs one tick now (also used by tests). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export const usesRedis = (config: Config): boolean =>
  config.pools.some((pool) => Object.values(pool.metrics).some((spec) => spec.source === 'redis'));

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const closers: (() => Promise<void>)[] = [];
  try {
    const storage = options.dataDir === undefined ? undefined : await startEmbeddedStorage(options.dataDir);
    if (storage) closers.push(storage.close);
    const agents = storage?.agents ?? new MemoryAgentStore(Date.now);
    const policies = storage?.policies ?? new MemoryPolicyStore();
    const metrics: MetricSource[] = [new StaticMetricSource(), new HostMetricSource(agents, policies)];
    if (usesRedis(options.config)) {
      const runner = redisRunnerFromConfig({ url: options.redisUrl });
      closers.push(async () => runner.close());
      metrics.push(new RedisMetricSource(runner));
    }
    const deps: RuntimeDeps = {
      policies,
      states: storage?.states ?? new MemoryStateStore(),
      log: storage?.log ?? new MemoryDecisionLog(),
      metrics,
      targets: [new NoneTarget(), new HostScaleTarget(agents)],
      clock: { now: () => Date.now() },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onDecision ? { onDecision: options.onDecision } : {}),
    };
    // The config file is the source of truth at start; pools added through the API persist.
    for (const pool of options.config.pools) await deps.policies.put(pool);
    if (options.config.budget) await policies.putBudget(options.config.budget);

    const api = createApi(deps);
    // Host pools are evaluated when their agent's heartbeat arrives, with Redis metrics too.
    const relay = createRelayHandler({ ...deps, agents, metrics });
    const server: LocalServer = await startHttpServer(
      [
        ...(options.routes ?? []),
        { prefix: '/agent/', handler: (request) => relay({ ...request, body: request.body ?? '' }) },
        { prefix: '/', handler: (request) => api({ ...request, principal: 'local' }) },
      ],
      options.port,
    );
    closers.push(server.close);

    let running: Promise<void> | undefined;
    const tick = async () => {
      // Never overlap ticks locally: a slow Redis makes the next tick wait, not pile up.
      if (running) return running;
      running = runTick(deps, { trigger: 'schedule' })
        .then(() => undefined)
        .catch((error: unknown) => options.logger?.error('tick failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          running = undefined;
        });
      return running;
    };
    const timer = setInterval(() => void tick(), options.tickMs);
    closers.push(async () => {
      clearInterval(timer);
      await running;
    });
    await tick();

    return {
      url: server.url,
      deps,
      agents,
      tick,
      stop: async () => {
        for (const close of closers.reverse()) await close().catch(() => {});
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => {});
    throw error;
  }
}
