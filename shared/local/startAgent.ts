/**
 * Runs the on-host agent inside `poolscale up`, talking to the local relay over HTTP exactly
 * as it would to the deployed one (signed heartbeats). The host is registered in the local
 * agent store with the agent config's secret, so no separate enrolment step is needed locally.
 */
import { randomBytes } from 'node:crypto';
import { loadAgentConfig, poolIdOf } from '../agent/loadAgentConfig';
import { runAgent } from '../agent/runAgent';
import { ConflictError } from '../domain/errors';
import type { AgentStore } from '../ports/AgentStore';

export interface LocalAgentOptions {
  relayUrl: string;
  redisUrl: string;
  agents: AgentStore;
  log: (line: string) => void;
}

export async function startAgentFromFile(path: string, options: LocalAgentOptions): Promise<{ stop(): Promise<void> }> {
  const env = { ...process.env };
  const loaded = loadAgentConfig(path, env);
  const secret = loaded.secret ?? randomBytes(24).toString('hex');
  loaded.secret = secret;
  loaded.config.relayUrl = options.relayUrl;
  loaded.config.redisUrl ??= options.redisUrl;

  const poolIds = loaded.config.pools.map(poolIdOf);
  for (let attempt = 0; ; attempt++) {
    const existing = await options.agents.get(loaded.config.hostId);
    try {
      await options.agents.put(
        { hostId: loaded.config.hostId, secret, poolIds, desired: existing?.desired ?? {}, version: (existing?.version ?? 0) + 1, ...(existing?.report ? { report: existing.report } : {}) },
        existing?.version ?? 0,
      );
      break;
    } catch (error) {
      if (!(error instanceof ConflictError) || attempt > 5) throw error;
    }
  }

  const line = (level: string) => (message: string, extra?: Record<string, unknown>) => options.log(`agent ${level}: ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}`);
  const running = await runAgent(loaded, { handleSignals: false, logger: { info: () => {}, warn: line('warn'), error: line('error') } });
  // Ctrl-C on `poolscale up` must leave no process behind: stop the workers with the agent.
  return { stop: () => running.stop({ stopWorkers: true }) };
}
