import type { CeleryPoolSchema } from '../AgentConfigSchema';
import type { z } from 'zod';

/** The queues a Celery pool consumes: `-Q`, or Celery's default queue. */
export const celeryQueues = (pool: z.output<typeof CeleryPoolSchema>): string[] =>
  pool.queues === undefined ? ['celery'] : Array.isArray(pool.queues) ? [...pool.queues] : pool.queues.split(',').map((q) => q.trim()).filter(Boolean);

/**
 * `celery -A APP worker -Q QUEUES --concurrency N -n NODE [--max-memory-per-child KB]`, NODE
 * being `<worker name>@<host name>`: a fixed node name the agent addresses its remote control
 * commands to.
 * Celery's own per-child limit recycles pool processes inside a worker; the agent's
 * `memoryLimitGb` check recycles the whole worker if it still grows past the limit.
 */
export function celeryCommand(pool: z.output<typeof CeleryPoolSchema>, node: string): string[] {
  const program = Array.isArray(pool.celery) ? pool.celery : [pool.celery];
  const args = [...program, '-A', pool.app, 'worker', '--concurrency', String(pool.concurrency), '-n', node];
  if (pool.queues) args.push('-Q', Array.isArray(pool.queues) ? pool.queues.join(',') : pool.queues);
  if (pool.memoryLimitGb !== undefined) {
    // Per pool process: the worker's limit shared across its concurrency, in KB as celery wants.
    args.push('--max-memory-per-child', String(Math.floor((pool.memoryLimitGb * 1024 * 1024) / pool.concurrency)));
  }
  return [...args, ...pool.extraArgs];
}
