import type { CeleryPoolSchema } from '../AgentConfigSchema';
import type { z } from 'zod';

/**
 * `celery -A APP worker -Q QUEUES --concurrency N -n NAME@%h [--max-memory-per-child KB]`.
 * Celery's own per-child limit recycles pool processes inside a worker; the agent's
 * `memoryLimitGb` check recycles the whole worker if it still grows past the limit.
 */
export function celeryCommand(pool: z.output<typeof CeleryPoolSchema>, name: string): string[] {
  const args = [pool.celery, '-A', pool.app, 'worker', '--concurrency', String(pool.concurrency), '-n', `${name}@%h`];
  if (pool.queues) args.push('-Q', Array.isArray(pool.queues) ? pool.queues.join(',') : pool.queues);
  if (pool.memoryLimitGb !== undefined) {
    // Per pool process: the worker's limit shared across its concurrency, in KB as celery wants.
    args.push('--max-memory-per-child', String(Math.floor((pool.memoryLimitGb * 1024 * 1024) / pool.concurrency)));
  }
  return [...args, ...pool.extraArgs];
}
