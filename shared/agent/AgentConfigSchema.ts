/**
 * `agent.yaml`: the host's identity, the relay, and its worker pools. Durations accept "20s",
 * "1m" or seconds; paths are relative to the config file.
 */
import { z } from 'zod';
import { duration } from '../domain/duration';
import { poolId } from '../domain/policy';

const command = () => z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

const PoolCommon = {
  /** The pool's name on this host (a policy's `target.pool`). */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,40}$/, 'Expected 1-40 letters, digits, _ . -'),
  /** poolscale pool id; default: the name. */
  poolId: poolId().optional(),
  /** Workers to run before the relay (or a local policy) has said anything. */
  initialWorkers: z.number().int().min(0).default(1),
  /** Recycle a worker whose process tree holds more than this (seed 001 WORKER_MEMORY_LIMIT_GB). */
  memoryLimitGb: z.number().positive().optional(),
  /**
   * Host-side cap on this pool's workers, whatever the relay or a manual override asks.
   * Default: the memory fit, MemTotal / memoryLimitGb (0.25 GB per worker without a limit).
   */
  maxWorkers: z.number().int().min(0).optional(),
  /** How long a stopping worker may finish its job before SIGKILL; default: the agent's. */
  gracePeriod: duration().optional(),
  env: z.record(z.string(), z.string()).default({}),
  cwd: z.string().optional(),
  /** Redis list the pool consumes: its length is reported as `queue_length` ... */
  queue: z
    .strictObject({
      key: z.string().min(1),
      /** ... and the length of this list (jobs taken, not finished) as `busy`. */
      processingKey: z.string().min(1).optional(),
    })
    .optional(),
  /**
   * A policy for this pool used when the relay is unreachable (or when there is no relay at
   * all); the relay's copy wins once received. `id` and `target` are filled in.
   */
  policy: z.record(z.string(), z.unknown()).optional(),
};

export const CommandPoolSchema = z.strictObject({
  ...PoolCommon,
  kind: z.literal('command'),
  /** Started once per worker; env POOLSCALE_WORKER and POOLSCALE_POOL name the worker. */
  command: command(),
});

export const CeleryPoolSchema = z.strictObject({
  ...PoolCommon,
  kind: z.literal('celery'),
  app: z.string().min(1),
  queues: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).optional(),
  concurrency: z.number().int().min(1).default(1),
  /**
   * Redis URL of the Celery broker (default: `redisUrl`): the agent drains workers through
   * Celery's remote control on it and reads the backlog there.
   */
  broker: z.string().min(1).optional(),
  /** The celery program: a path, or an argv such as [/usr/bin/python3, -m, celery]. */
  celery: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default('celery'),
  extraArgs: z.array(z.string()).default([]),
});

export const GunicornPoolSchema = z.strictObject({
  ...PoolCommon,
  kind: z.literal('gunicorn'),
  /** Pid file of a master started elsewhere (systemd); the agent only signals it ... */
  pidFile: z.string().min(1).optional(),
  /** ... or the master command line the agent starts itself (`--workers N` is appended). */
  command: command().optional(),
  /** gunicorn's graceful_timeout, if set in a config file (default: --graceful-timeout, else 30 s). */
  gracefulTimeout: duration().optional(),
  /** gunicorn's worker timeout, if set in a config file (default: --timeout or -t, else 30 s). */
  workerTimeout: duration().optional(),
});

export const AgentPoolSchema = z.discriminatedUnion('kind', [CommandPoolSchema, CeleryPoolSchema, GunicornPoolSchema]);

export const AgentConfigSchema = z.strictObject({
  hostId: z.string().min(1),
  secret: z.string().min(16).optional(),
  secretFile: z.string().min(1).optional(),
  /** Environment variable holding the secret. */
  secretEnv: z.string().min(1).default('POOLSCALE_AGENT_SECRET'),
  /** Relay base URL; heartbeats go to `${relayUrl}/agent/heartbeat`. Absent: local policies only. */
  relayUrl: z.url().optional(),
  interval: duration().default(20_000),
  relayTimeout: duration().default(5_000),
  /** Loopback port of /status, /metrics and /stop; 0 picks a free one (written to the state file). */
  statusPort: z.number().int().min(0).max(65535).default(9465),
  stateFile: z.string().min(1).default('/var/lib/poolscale/agent.json'),
  logDir: z.string().min(1).optional(),
  gracePeriod: duration().default(30_000),
  /** Stop the workers when the agent stops. Default false: a restarted agent adopts them. */
  stopWorkersOnExit: z.boolean().default(false),
  /** For pools with `queue`: the Redis holding the lists. */
  redisUrl: z.string().min(1).optional(),
  pools: z.array(AgentPoolSchema).min(1),
});

export type AgentConfig = z.output<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;
export type AgentPool = z.output<typeof AgentPoolSchema>;
