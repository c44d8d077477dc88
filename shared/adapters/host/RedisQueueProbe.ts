import { Redis } from 'ioredis';
import { MetricSourceError } from '../../domain/errors';

/** Lengths of Redis lists, in one pipeline: the agent's `queue_length` and `busy` per pool. */
export class RedisQueueProbe {
  private readonly client: Redis;

  constructor(url: string) {
    // No offline queue and one retry: a down Redis must fail this interval fast, not stall it.
    this.client = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 2_000 });
    this.client.on('error', () => {});
  }

  async lengths(keys: readonly string[]): Promise<Map<string, number>> {
    const result = new Map<string, number>();
    if (keys.length === 0) return result;
    try {
      if (this.client.status === 'wait' || this.client.status === 'end') await this.client.connect();
      const pipeline = this.client.pipeline();
      for (const key of keys) pipeline.llen(key);
      const replies = (await pipeline.exec()) ?? [];
      replies.forEach(([error, value], index) => {
        if (!error && typeof value === 'number') result.set(keys[index]!, value);
      });
      return result;
    } catch (error) {
      throw new MetricSourceError(`Redis queue lengths unavailable: ${(error as Error).message}`, { cause: error });
    }
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
