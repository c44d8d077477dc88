#!/usr/bin/env node
// Demo worker: takes jobs from a Redis list, "works" for SERVICE_MS each, counts them done.
// On SIGTERM it finishes the job in hand and exits (a warm shutdown, like Celery's).
import { Redis } from 'ioredis';

const queue = process.env.QUEUE ?? 'demo:jobs';
const serviceMs = Number(process.env.SERVICE_MS ?? 500);
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 2 });
let stopping = false;
process.on('SIGTERM', () => {
  stopping = true;
});
process.on('SIGINT', () => {
  stopping = true;
});

while (!stopping) {
  const job = await redis.brpop(queue, 1).catch(() => null);
  if (!job) continue;
  await redis.incr(`${queue}:busy`).catch(() => {});
  await new Promise((resolve) => setTimeout(resolve, serviceMs));
  await redis.multi().decr(`${queue}:busy`).incr(`${queue}:done`).exec().catch(() => {});
}
await redis.quit().catch(() => {});
