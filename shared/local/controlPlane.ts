/**
 * The whole control plane on one machine (`poolscale up`): embedded DynamoDB-compatible
 * storage, the runtime tick on a timer, the HTTP API and relay served locally with the same
 * handlers as the Lambdas, Redis metrics, and host pools through the relay.
 */
import { isDeepStrictEqual } from 'node:util';
import { createApi } from '../api';
import { hostRoutes } from '../api/hostRoutes';
import { HostMetricSource } from '../adapters/host/HostMetricSource';
import { HostScaleTarget } from '../adapters/host/HostScaleTarget';
import { NoneTarget, StaticMetricSource } from '../adapters/memory';
import { RedisMetricSource } from '../adapters/redis/RedisMetricSource';
import { redisRunnerFromConfig } from '../adapters/redis/fromEnv';
import type { Config, Policy } from '../domain/policy';
import type { Decision, TargetStatus } from '../domain/types';
import type { AgentStore } from '../ports/AgentStore';
import type { MetricSource } from '../ports/MetricSource';
import type { PolicyStore } from '../ports/PolicyStore';
import { DASHBOARD_PUBLIC_PATHS, dashboardResponse } from '../dashboard/page';
import { checkAccess } from './accessGuard';
import { readSeededPools, restrictTree, writeSeededPools } from './dataFolder';
import { createRelayHandler } from '../relay';
import { type RuntimeDeps, type RuntimeLogger, runTick } from '../runtime/tick';
import { type EmbeddedStorage, startEmbeddedStorage } from './embeddedStorage';
import { type HttpRequest, type HttpResponse, type LocalServer, type Route, startHttpServer } from './httpServer';

/** Served without the token: no data and no action behind them. */
const PUBLIC_PATHS = ['/health', ...DASHBOARD_PUBLIC_PATHS];

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
  /** Extra HTTP routes (checked before the API; behind the same access guard). */
  routes?: Route[];
  /**
   * Bearer token every API request must carry (see accessGuard.ts); `poolscale up` always
   * sets one. Undefined: only the Host and cross-site checks apply (tests, embedding).
   */
  token?: string;
  /**
   * How the config file's pools meet the stored ones: `seed` (default) adds the pools that are
   * not stored yet and keeps every change made through the API; `overwrite` writes every pool
   * of the file over the stored one (`poolscale up --apply`).
   */
  configMode?: 'seed' | 'overwrite';
  /** Called with the differences between the file and the store before anything is written. */
  onConfigChanges?: (changes: ConfigChange[]) => void;
  /** How often expired items and history beyond the local limit are removed (default 10 min). */
  pruneMs?: number;
}

/** One difference between the config file and the stored policies. */
export interface ConfigChange {
  poolId: string;
  /**
   * `add`: in the file, not stored; `change`: stored differently; `deleted`: seeded from a file
   * before and deleted through the API since; `not-in-file`: stored, not in the file.
   */
  kind: 'add' | 'change' | 'deleted' | 'not-in-file';
  stored?: Policy;
  file?: Policy;
}

export interface ControlPlane {
  url: string;
  deps: RuntimeDeps;
  agents: AgentStore;
  /** The embedded store (dynalite over a Unix socket). */
  storage: EmbeddedStorage;
  /** Runs one tick now (also used by tests). */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export const usesRedis = (config: Config): boolean =>
  config.pools.some((pool) => Object.values(pool.metrics).some((spec) => spec.source === 'redis'));

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const closers: (() => Promise<void>)[] = [];
  try {
    // In memory too: dynalite without a path, so both modes run the deployed adapters and prune alike.
    const storage = await startEmbeddedStorage(options.dataDir);
    // Runs last (closers run in reverse): the store writes its last files while closing.
    if (options.dataDir) closers.push(async () => restrictTree(options.dataDir!));
    closers.push(storage.close);
    const { agents, policies } = storage;
    const metrics: MetricSource[] = [new StaticMetricSource(), new HostMetricSource(agents, policies)];
    if (usesRedis(options.config)) {
      const runner = redisRunnerFromConfig({ url: options.redisUrl });
      closers.push(async () => runner.close());
      metrics.push(new RedisMetricSource(runner));
    }
    const deps: RuntimeDeps = {
      policies,
      states: storage.states,
      log: storage.log,
      metrics,
      targets: [new NoneTarget(), new HostScaleTarget(agents)],
      clock: { now: () => Date.now() },
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.onDecision ? { onDecision: options.onDecision } : {}),
    };
    // The store is the source of truth once it exists: the file seeds the pools it never had,
    // and only `--apply` writes the file over changes made through the API (or deletions).
    const overwrite = options.configMode === 'overwrite';
    const seeded = options.dataDir ? readSeededPools(options.dataDir) : new Set<string>();
    const changes = await configChanges(policies, options.config, seeded);
    options.onConfigChanges?.(changes);
    for (const change of changes) {
      const write = change.kind === 'add' || (overwrite && (change.kind === 'change' || change.kind === 'deleted'));
      if (write && change.file) await policies.put(change.file);
    }
    if (options.dataDir) writeSeededPools(options.dataDir, [...seeded, ...options.config.pools.map((pool) => pool.id)]);
    if (options.config.budget && (overwrite || !(await policies.getBudget()))) await policies.putBudget(options.config.budget);

    const api = createApi({ ...deps, agents }, { routes: hostRoutes });
    // Host pools are evaluated when their agent's heartbeat arrives, with Redis metrics too.
    const relay = createRelayHandler({ ...deps, agents, metrics });
    let port = 0;
    const guard = (handler: (request: HttpRequest) => Promise<HttpResponse>) => async (request: HttpRequest) =>
      checkAccess(request, { port: () => port, ...(options.token === undefined ? {} : { token: options.token }), publicPaths: PUBLIC_PATHS }) ??
      handler(request);
    const apiRoute = (request: HttpRequest) => api({ ...request, principal: 'local' });
    const server: LocalServer = await startHttpServer(
      [
        ...(options.routes ?? []).map((route) => ({ prefix: route.prefix, handler: guard(route.handler) })),
        // The relay authenticates every heartbeat with the host's HMAC key, so it needs no token;
        // the Host and cross-site checks still apply (a rebinding page must not reach it).
        {
          prefix: '/agent/',
          handler: async (request) => checkAccess(request, { port: () => port }) ?? relay({ ...request, body: request.body ?? '' }),
        },
        { prefix: '/', handler: guard(async (request) => dashboardResponse(request.path, request.method) ?? apiRoute(request)) },
      ],
      options.port,
    );
    port = Number(new URL(server.url).port);
    closers.push(server.close);

    let running: Promise<void> | undefined;
    // DynamoDB's TTL, done here (dynalite has none), and file modes kept private. A prune may
    // reopen the store (see embeddedStorage.ts): it waits for the running tick, and ticks skip
    // while it runs.
    let pruning: Promise<void> | undefined;
    const prune = () =>
      (pruning ??= (async () => {
        while (running) await running;
        running = storage
          .prune()
          .then(() => (options.dataDir ? restrictTree(options.dataDir) : undefined))
          .catch((error: unknown) => options.logger?.warn('prune failed', { error: error instanceof Error ? error.message : String(error) }));
        await running;
        running = undefined;
      })().finally(() => {
        pruning = undefined;
      }));
    const pruneTimer = setInterval(() => void prune(), options.pruneMs ?? 10 * 60_000);
    pruneTimer.unref();
    closers.push(async () => {
      clearInterval(pruneTimer);
      await pruning;
    });
    await prune();

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
      storage,
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

/** What writing `config` would change in the store, pool by pool. */
export async function configChanges(policies: PolicyStore, config: Config, seeded: ReadonlySet<string> = new Set()): Promise<ConfigChange[]> {
  const stored = new Map((await policies.list()).map((policy) => [policy.id, policy]));
  const changes: ConfigChange[] = [];
  for (const pool of config.pools) {
    const current = stored.get(pool.id);
    if (!current) changes.push({ poolId: pool.id, kind: seeded.has(pool.id) ? 'deleted' : 'add', file: pool });
    // Key order is not kept by the store: compare as values.
    else if (!isDeepStrictEqual(JSON.parse(JSON.stringify(current)), JSON.parse(JSON.stringify(pool)))) changes.push({ poolId: pool.id, kind: 'change', stored: current, file: pool });
  }
  for (const [id, policy] of stored) {
    if (!config.pools.some((pool) => pool.id === id)) changes.push({ poolId: id, kind: 'not-in-file', stored: policy });
  }
  return changes;
}
