/**
 * Replays a `t_seconds,arrivals` trace into a Redis list, sped up: the demo's load. Each
 * trace row's arrivals are pushed spread over the row's (scaled) interval, so the queue grows
 * smoothly rather than in one burst per row. On stop it removes the jobs it pushed that nobody
 * took (and only those: each job's id carries this run's id), so the next run starts clean.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';

export interface LoadGeneratorOptions {
  redisUrl: string;
  trace: string;
  queue: string;
  /** Trace seconds per real second (60 = one trace minute per second). */
  speedup: number;
  /** Multiply arrivals (scale a trace to the demo's worker count). */
  scale: number;
  /** Start again at the end of the trace. */
  loop: boolean;
}

export interface LoadGenerator {
  /** Trace time reached, seconds. */
  position(): number;
  pushed(): number;
  /** Real seconds per pass over the trace (it starts again after that when looping). */
  loopSeconds: number;
  /** Stops pushing (nothing is removed yet: workers may still be taking jobs). */
  halt(): void;
  /**
   * Stops pushing, removes from the list the jobs this generator pushed that are still there,
   * and closes its connection. Resolves to how many it removed (0 when Redis did not answer).
   */
  stop(): Promise<number>;
}

/** The id of the jobs a generator pushes: `<run>-<n>`, JSON-encoded first in the job. */
const jobPrefix = (run: string) => `{"id":"${run}-`;

/** Removes from `queue` the entries that start with `prefix`, reading the list in pages. */
async function removeJobs(redis: Redis, queue: string, prefix: string): Promise<number> {
  const PAGE = 1000;
  const ours = new Set<string>();
  for (let start = 0; ; start += PAGE) {
    const page = await redis.lrange(queue, start, start + PAGE - 1);
    for (const entry of page) if (entry.startsWith(prefix)) ours.add(entry);
    if (page.length < PAGE) break;
  }
  let removed = 0;
  for (const entry of ours) removed += await redis.lrem(queue, 0, entry);
  return removed;
}

export function readArrivals(path: string): { t: number; arrivals: number }[] {
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = lines.shift()?.split(',') ?? [];
  const ti = header.indexOf('t_seconds');
  const ai = header.indexOf('arrivals');
  if (ti < 0 || ai < 0) throw new Error(`${path}: expected a header with t_seconds and arrivals (got "${header.join(',')}")`);
  return lines.map((line, index) => {
    const cells = line.split(',');
    const t = Number(cells[ti]);
    const arrivals = Number(cells[ai]);
    if (!Number.isFinite(t) || !Number.isFinite(arrivals)) throw new Error(`${path}:${index + 2}: not a number in "${line}"`);
    return { t, arrivals };
  });
}

export function startLoadGenerator(options: LoadGeneratorOptions): LoadGenerator {
  const rows = readArrivals(options.trace);
  const redis = new Redis(options.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // reported by the runner's own Redis check
  const span = (rows.at(-1)?.t ?? 0) + 60;
  const run = randomBytes(6).toString('hex');
  const startedAt = Date.now();
  let pushed = 0;
  let owed = 0;
  let lastTraceT = 0;
  let stopped = false;

  const traceTime = () => ((Date.now() - startedAt) / 1000) * options.speedup;
  const rate = (t: number) => {
    const wrapped = options.loop ? t % span : t;
    let index = rows.findIndex((row) => row.t > wrapped) - 1;
    if (index < 0) index = rows.length - 1;
    return ((rows[index]?.arrivals ?? 0) * options.scale) / 60; // jobs per trace second
  };

  const timer = setInterval(() => {
    const now = traceTime();
    if (!options.loop && now > span) return;
    owed += rate(now) * (now - lastTraceT);
    lastTraceT = now;
    const count = Math.floor(owed);
    if (count <= 0) return;
    owed -= count;
    const jobs = Array.from({ length: count }, (_, i) => JSON.stringify({ id: `${run}-${pushed + i}`, at: Date.now() }));
    pushed += count;
    redis.lpush(options.queue, ...jobs).catch(() => {});
  }, 200);

  const halt = () => clearInterval(timer);
  return {
    position: () => traceTime(),
    pushed: () => pushed,
    loopSeconds: span / options.speedup,
    halt,
    stop: async () => {
      if (stopped) return 0;
      stopped = true;
      halt();
      // A push still in flight lands before the removal: commands run in order on one connection.
      const removed = await removeJobs(redis, options.queue, jobPrefix(run)).catch(() => 0);
      await redis.quit().catch(() => redis.disconnect());
      return removed;
    },
  };
}
