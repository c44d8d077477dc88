/**
 * Replays a `t_seconds,arrivals` trace into a Redis list, sped up: the demo's load. Each
 * trace row's arrivals are pushed spread over the row's (scaled) interval, so the queue grows
 * smoothly rather than in one burst per row.
 */
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
  stop(): Promise<void>;
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
    const jobs = Array.from({ length: count }, (_, i) => JSON.stringify({ id: `${Date.now()}-${pushed + i}`, at: Date.now() }));
    pushed += count;
    redis.lpush(options.queue, ...jobs).catch(() => {});
  }, 200);

  return {
    position: () => traceTime(),
    pushed: () => pushed,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
