import type { ProcReader } from '../adapters/host/procfs';
import type { AgentConfig, AgentPool } from './AgentConfigSchema';
import { celeryNodeName, CeleryTasks } from './supervisors/CeleryTasks';
import { celeryCommand, celeryQueues } from './supervisors/celeryCommand';
import { GunicornSupervisor } from './supervisors/GunicornSupervisor';
import { ProcessPoolSupervisor } from './supervisors/ProcessPoolSupervisor';
import type { AgentLogger, Supervisor } from './supervisors/Supervisor';
import { join } from 'node:path';
import { poolIdOf } from './loadAgentConfig';

/** The supervisor for one configured pool kind. */
export function createSupervisor(pool: AgentPool, config: AgentConfig, reader: ProcReader, logger: AgentLogger): Supervisor {
  const gracePeriodMs = pool.gracePeriod ?? config.gracePeriod;
  const env = (name: string) => ({ ...pool.env, POOLSCALE_WORKER: name, POOLSCALE_POOL: pool.name, POOLSCALE_POOL_ID: poolIdOf(pool) });
  // The agent's secret never reaches a worker (POOLSCALE_* is always dropped; a custom secretEnv too).
  const scrub = [config.secretEnv];
  const logFile = (name: string) => (config.logDir ? { logFile: join(config.logDir, `${name}.log`) } : {});
  const cwd = pool.cwd ? { cwd: pool.cwd } : {};
  switch (pool.kind) {
    case 'command':
      return new ProcessPoolSupervisor({
        pool: pool.name,
        kind: 'command',
        commandFor: (name) => ({ command: pool.command, env: env(name), scrub, ...cwd, ...logFile(name) }),
        gracePeriodMs,
        ...(pool.memoryLimitGb !== undefined ? { memoryLimitGb: pool.memoryLimitGb } : {}),
        reader,
        logger,
      });
    case 'celery': {
      const broker = pool.broker ?? config.redisUrl;
      if (!broker) logger.warn('celery pool without a broker (`broker` or `redisUrl`): no drain before stopping, busy from CPU share', { pool: pool.name });
      return new ProcessPoolSupervisor({
        pool: pool.name,
        kind: 'celery',
        commandFor: (name) => ({ command: celeryCommand(pool, celeryNodeName(name)), env: env(name), scrub, ...cwd, ...logFile(name) }),
        gracePeriodMs,
        ...(pool.memoryLimitGb !== undefined ? { memoryLimitGb: pool.memoryLimitGb } : {}),
        ...(broker ? { tasks: new CeleryTasks({ pool: pool.name, brokerUrl: broker, queues: celeryQueues(pool), gracePeriodMs, logger }) } : {}),
        // Celery's warm shutdown: SIGTERM to the main process only (its prefork children would die mid-task).
        terminate: 'process',
        reader,
        logger,
      });
    }
    case 'gunicorn': {
      const command = pool.command;
      return new GunicornSupervisor({
        pool: pool.name,
        ...(pool.pidFile ? { pidFile: pool.pidFile } : {}),
        ...(command
          ? {
              commandFor: (workers: number) => ({
                command: typeof command === 'string' ? `${command} --workers ${workers}` : [...command, '--workers', String(workers)],
                env: env(`${pool.name}-master`),
                scrub,
                ...cwd,
                ...logFile(`${pool.name}-master`),
              }),
            }
          : {}),
        gracePeriodMs,
        ...(pool.gracefulTimeout !== undefined ? { gracefulTimeoutMs: pool.gracefulTimeout } : {}),
        ...(pool.workerTimeout !== undefined ? { workerTimeoutMs: pool.workerTimeout } : {}),
        reader,
        logger,
      });
    }
  }
}
