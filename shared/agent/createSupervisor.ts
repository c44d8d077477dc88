import type { ProcReader } from '../adapters/host/procfs';
import type { AgentConfig, AgentPool } from './AgentConfigSchema';
import { celeryCommand } from './supervisors/celeryCommand';
import { GunicornSupervisor } from './supervisors/GunicornSupervisor';
import { ProcessPoolSupervisor } from './supervisors/ProcessPoolSupervisor';
import type { AgentLogger, Supervisor } from './supervisors/Supervisor';
import { join } from 'node:path';
import { poolIdOf } from './loadAgentConfig';

/** The supervisor for one configured pool kind. */
export function createSupervisor(pool: AgentPool, config: AgentConfig, reader: ProcReader, logger: AgentLogger): Supervisor {
  const gracePeriodMs = pool.gracePeriod ?? config.gracePeriod;
  const env = (name: string) => ({ ...pool.env, POOLSCALE_WORKER: name, POOLSCALE_POOL: pool.name, POOLSCALE_POOL_ID: poolIdOf(pool) });
  const logFile = (name: string) => (config.logDir ? { logFile: join(config.logDir, `${name}.log`) } : {});
  switch (pool.kind) {
    case 'command':
      return new ProcessPoolSupervisor({
        pool: pool.name,
        kind: 'command',
        commandFor: (name) => ({ command: pool.command, env: env(name), ...(pool.cwd ? { cwd: pool.cwd } : {}), ...logFile(name) }),
        gracePeriodMs,
        ...(pool.memoryLimitGb !== undefined ? { memoryLimitGb: pool.memoryLimitGb } : {}),
        reader,
        logger,
      });
    case 'celery':
      return new ProcessPoolSupervisor({
        pool: pool.name,
        kind: 'celery',
        commandFor: (name) => ({ command: celeryCommand(pool, name), env: env(name), ...(pool.cwd ? { cwd: pool.cwd } : {}), ...logFile(name) }),
        gracePeriodMs,
        ...(pool.memoryLimitGb !== undefined ? { memoryLimitGb: pool.memoryLimitGb } : {}),
        reader,
        logger,
      });
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
                ...(pool.cwd ? { cwd: pool.cwd } : {}),
                ...logFile(`${pool.name}-master`),
              }),
            }
          : {}),
        gracePeriodMs,
        reader,
        logger,
      });
    }
  }
}
