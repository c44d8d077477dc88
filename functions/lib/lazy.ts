import type { MetricSpec, Policy, Target } from '../../shared/domain/policy';
import type { TargetStatus } from '../../shared/domain/types';
import type { MetricRequest, MetricSource } from '../../shared/ports/MetricSource';
import type { ScaleRequest, ScaleTarget } from '../../shared/ports/ScaleTarget';
import type { RedisCommandRunner } from '../../shared/adapters/redis/RedisCommandRunner';

/** Loads once; a failed load (a transient import error) is tried again by the next caller. */
function loadOnce<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined;
      throw error;
    }));
}

/**
 * A scale target whose adapter (and its SDK client) is imported the first time a pool of its
 * kind needs it: a deployment without ECS pools never loads @aws-sdk/client-ecs.
 */
export function lazyScaleTarget(kinds: readonly Target['kind'][], load: () => Promise<ScaleTarget>): ScaleTarget {
  const target = loadOnce(load);
  return {
    kinds,
    status: async (pool: Policy) => (await target()).status(pool),
    statusMany: async (pools: readonly Policy[]) => {
      const loaded = await target();
      if (loaded.statusMany) return loaded.statusMany(pools);
      const results = new Map<string, TargetStatus | Error>();
      await Promise.all(
        pools.map(async (pool) => {
          try {
            results.set(pool.id, await loaded.status(pool));
          } catch (error) {
            results.set(pool.id, error instanceof Error ? error : new Error(String(error)));
          }
        }),
      );
      return results;
    },
    scale: async (pool: Policy, request: ScaleRequest) => (await target()).scale(pool, request),
  };
}

/** A metric source imported the first time a pool reads one of its `sources`. */
export function lazyMetricSource(sources: readonly MetricSpec['source'][], load: () => Promise<MetricSource>): MetricSource {
  const source = loadOnce(load);
  return {
    sources,
    read: async (requests: readonly MetricRequest[], now: number) => (await source()).read(requests, now),
  };
}

/**
 * A Redis runner built on first use (its location may be a secret to read); a failure to build
 * it (the secret unreadable, not filled in yet, or not a Redis location) fails that use, and the
 * next use tries again.
 */
export function lazyRedisRunner(load: () => Promise<RedisCommandRunner>): RedisCommandRunner {
  let loaded: RedisCommandRunner | undefined;
  const fresh = () => loadOnce(async () => (loaded = await load()));
  let runner = fresh();
  return {
    // What the built runner is; before it is built, a placeholder (nothing reads it then).
    get kind() {
      return loaded?.kind ?? 'tcp';
    },
    pipeline: async (commands) => {
      const current = await runner();
      try {
        return await current.pipeline(commands);
      } catch (error) {
        // Redis unreachable as configured: the location may have been corrected since (a typo
        // in the secret, a moved host), so the next use reads it again and reconnects.
        if (loaded === current) {
          loaded = undefined;
          runner = fresh();
          await current.close().catch(() => undefined);
        }
        throw error;
      }
    },
    close: async () => {
      await loaded?.close();
    },
  };
}
