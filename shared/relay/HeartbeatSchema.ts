/**
 * The agent -> relay heartbeat body and the relay's answer. Both sides parse through these
 * schemas, so a version skew between agent and relay shows up as a clear 400, not as NaN.
 */
import { z } from 'zod';
import type { Policy } from '../domain/policy';

const gb = () => z.number().min(0).finite();

export const PoolReportSchema = z.strictObject({
  running: z.number().int().min(0),
  busy: z.number().int().min(0),
  rssGb: gb(),
  queueLength: z.number().int().min(0).optional(),
  maxWorkers: z.number().int().min(0).optional(),
  refused: z.string().max(500).optional(),
});

export const HostReportSchema = z.strictObject({
  at: z.number().int().min(0),
  memAvailableGb: gb(),
  memTotalGb: gb(),
  cpu: z.number().min(0).max(100),
  load1: z.number().min(0),
  pools: z.record(z.string().min(1), PoolReportSchema),
  queues: z.record(z.string().min(1), z.number().int().min(0)).optional(),
  offlineSince: z.number().int().min(0).optional(),
});

export const WorkerReportSchema = z.strictObject({
  name: z.string().min(1),
  pid: z.number().int().positive(),
  /** Epoch ms the agent started (or adopted) the worker. */
  startedAt: z.number().int().min(0),
  rssGb: gb(),
  /** CPU percent of one core over the last interval. */
  cpu: z.number().min(0),
  state: z.enum(['running', 'stopping']),
  /** Celery: tasks running; gunicorn: requests in flight (when known). */
  tasks: z.number().int().min(0).optional(),
  /** Celery: tasks prefetched, not started. */
  reserved: z.number().int().min(0).optional(),
});

export const HeartbeatSchema = z.strictObject({
  agentVersion: z.string().min(1).max(64),
  report: HostReportSchema,
  /** Per pool name: the worker processes, for status pages and debugging. */
  workers: z.record(z.string().min(1), z.array(WorkerReportSchema)).default({}),
});

export type Heartbeat = z.output<typeof HeartbeatSchema>;
export type HeartbeatInput = z.input<typeof HeartbeatSchema>;
export type WorkerReport = z.output<typeof WorkerReportSchema>;

/** The relay's answer: only this host's pools, keyed by the agent's pool names. */
export interface HeartbeatResponse {
  desired: Record<string, number>;
  policies: Record<string, Policy>;
  serverTime: number;
}
