/**
 * Composition root of `poolscale agent --config agent.yaml`: wires the config, the relay
 * client, Redis, the supervisors and the status server, and handles signals.
 *
 * SIGTERM/SIGINT stop the loop and leave the workers running (unless `stopWorkersOnExit`):
 * restarting or upgrading the agent must not interrupt jobs, and the next agent adopts the
 * workers from the state file. `poolscale agent stop --workers` stops both.
 */
import { RedisQueueProbe } from '../adapters/host/RedisQueueProbe';
import type { ProcReader } from '../adapters/host/procfs';
import type { Clock } from '../ports/Clock';
import { Agent, consoleLogger } from './Agent';
import type { LoadedAgentConfig } from './loadAgentConfig';
import { RelayClient } from './RelayClient';
import { startStatusServer } from './statusServer';
import type { AgentLogger } from './supervisors/Supervisor';

export interface RunningAgent {
  agent: Agent;
  statusPort: number;
  /** Resolves when the agent has stopped (signal, /stop or `stop()`). */
  stopped: Promise<void>;
  stop(options?: { stopWorkers?: boolean }): Promise<void>;
}

export async function runAgent(
  loaded: LoadedAgentConfig,
  options: { reader?: ProcReader; clock?: Clock; logger?: AgentLogger; handleSignals?: boolean } = {},
): Promise<RunningAgent> {
  const { config } = loaded;
  const logger = options.logger ?? consoleLogger;
  const queues = config.redisUrl ? new RedisQueueProbe(config.redisUrl) : undefined;
  const agent = new Agent({
    config,
    localPolicies: loaded.localPolicies,
    ...(config.relayUrl && loaded.secret
      ? { relay: new RelayClient({ relayUrl: config.relayUrl, hostId: config.hostId, secret: loaded.secret, timeoutMs: config.relayTimeout }) }
      : {}),
    ...(queues ? { queues } : {}),
    ...(options.reader ? { reader: options.reader } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logger,
  });

  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  let stopping: Promise<void> | undefined;
  const stop = (stopOptions: { stopWorkers?: boolean } = {}) => {
    stopping ??= (async () => {
      const stopWorkers = stopOptions.stopWorkers ?? config.stopWorkersOnExit;
      logger.info('agent stopping', { stopWorkers });
      await agent.stop({ stopWorkers });
      await server.close();
      await queues?.close();
      if (options.handleSignals) for (const signal of ['SIGTERM', 'SIGINT'] as const) process.removeListener(signal, onSignal);
      logger.info('agent stopped');
      resolveStopped();
    })();
    return stopping;
  };
  const onSignal = () => void stop();

  const server = await startStatusServer(agent, config.statusPort, (request) => void stop(request));
  agent.statusPort = server.port;
  if (options.handleSignals) for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, onSignal);
  await agent.start();
  logger.info('agent started', { hostId: config.hostId, relay: config.relayUrl ?? 'none (local policies)', statusPort: server.port, pools: config.pools.map((p) => p.name) });
  return { agent, statusPort: server.port, stopped, stop };
}
