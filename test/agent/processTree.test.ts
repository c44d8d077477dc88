/**
 * Issue 9 items 2, 3 and 4 at the adapter level: a worker's memory over its whole process
 * tree (real processes), requests in flight from /proc/net/tcp (table of cases), Celery's
 * backlog over priority sub-lists, several queues and the unacked hash (real Redis), and a
 * host `queue_length` metric that honours its `key`.
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostReading } from '../../shared/adapters/host/HostMetricSource';
import { connectionsPerWorker, descendantPids, fsProcReader, pidsWithEnv, type ProcReader } from '../../shared/adapters/host/procfs';
import { workerEnvironment } from '../../shared/adapters/host/processes';
import { CELERY_PRIORITY_SEP, RedisQueueProbe } from '../../shared/adapters/host/RedisQueueProbe';
import { HostMetrics } from '../../shared/agent/hostMetrics';
import type { HostReport } from '../../shared/ports/HostReport';
import { startRedis, type TestRedis } from '../support/redis';
import { killGroups, waitFor } from './support';

describe('Class: HostMetrics over a real process tree', () => {
  it('counts the memory of a worker\'s children (a prefork child holding 200 MB), not the main process alone', async () => {
    // Prepare: a parent (a few MB) whose child holds 200 MB of touched memory
    const child = `const b = Buffer.alloc(200 * 1024 * 1024, 1); process.stdout.write('ready'); setInterval(() => b[0]++, 1000);`;
    const parent = spawn(process.execPath, ['-e', `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: ['ignore', 'inherit', 'ignore'] }); setInterval(() => {}, 1 << 30);`], { stdio: ['ignore', 'pipe', 'ignore'], detached: true });
    try {
      await new Promise<void>((resolve) => parent.stdout!.once('data', () => resolve()));
      const metrics = new HostMetrics(fsProcReader);

      // Act
      const sample = metrics.sample([parent.pid!]);

      // Assess: the tree holds 200 MB+, the parent alone far less
      expect(descendantPids(fsProcReader, parent.pid!)).toHaveLength(1);
      expect(sample.processes.get(parent.pid!)!.rssGb).toBeGreaterThan(0.19);
      expect(new HostMetrics(fsProcReader).sample([descendantPids(fsProcReader, parent.pid!)[0]!]).processes.size).toBe(1);
    } finally {
      killGroups([parent.pid!]);
    }
  }, 30_000);
});

describe('Function: connectionsPerWorker (/proc/<master>/net/tcp)', () => {
  // A master listening on :8000 (inode 10); worker 2 serves one request (inode 21), worker 3
  // holds a database connection (:5432 remote, local port 40000) and a half-closed request.
  const tcp = [
    '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
    '   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 10 1',
    '   1: 0100007F:1F40 0100007F:C000 01 00000000:00000000 00:00000000 00000000  1000        0 21 1',
    '   2: 0100007F:9C40 0100007F:1538 01 00000000:00000000 00:00000000 00000000  1000        0 31 1',
    '   3: 0100007F:1F40 0100007F:C002 08 00000000:00000000 00:00000000 00000000  1000        0 32 1',
    '   4: 0100007F:1F40 0100007F:C004 06 00000000:00000000 00:00000000 00000000  1000        0 33 1',
  ].join('\n');
  const fds: Record<number, string[]> = { 1: ['socket:[10]', 'pipe:[5]'], 2: ['socket:[10]', 'socket:[21]'], 3: ['socket:[10]', 'socket:[31]', 'socket:[32]', 'socket:[33]'], 4: ['socket:[10]'] };
  const reader: ProcReader = {
    read: (path) => (path === '/proc/1/net/tcp' ? tcp : path === '/proc/1/net/tcp6' ? '' : undefined),
    list: (path) => {
      const pid = Number(/^\/proc\/(\d+)\/fd$/.exec(path)?.[1]);
      return fds[pid]?.map((_, i) => String(i));
    },
    link: (path) => {
      const [, pid, fd] = /^\/proc\/(\d+)\/fd\/(\d+)$/.exec(path) ?? [];
      return fds[Number(pid)]?.[Number(fd)];
    },
  };

  it.each([
    { worker: 2, requests: 1, why: 'an established connection on the listening port' },
    { worker: 3, requests: 1, why: 'a half-closed request counts, its database connection and TIME_WAIT do not' },
    { worker: 4, requests: 0, why: 'only the shared listening socket' },
  ])('worker $worker: $requests ($why)', ({ worker, requests }) => {
    expect(connectionsPerWorker(reader, 1, [worker]).get(worker)).toBe(requests);
  });
});

describe('Function: workerEnvironment and pidsWithEnv', () => {
  it('drops every POOLSCALE_* variable and the named secrets, keeps the rest, adds the request and the mark', () => {
    const env = workerEnvironment(
      { PATH: '/bin', POOLSCALE_AGENT_SECRET: 's', POOLSCALE_ANYTHING: 'x', HOST_SECRET: 'h', HOME: '/root' },
      { env: { POOLSCALE_WORKER: 'w-1', APP: 'a' }, scrub: ['HOST_SECRET'] },
      'mark-1',
    );
    expect(env).toEqual({ PATH: '/bin', HOME: '/root', POOLSCALE_WORKER: 'w-1', APP: 'a', POOLSCALE_WORKER_MARK: 'mark-1' });
  });

  it('finds a marked process that left its parent\'s process group (setsid)', async () => {
    const mark = `test-${process.pid}-${Date.now()}`;
    const escaped = spawn('setsid', ['sleep', '300'], { env: { ...process.env, POOLSCALE_WORKER_MARK: mark }, stdio: 'ignore', detached: true });
    try {
      const found = await waitFor('the marked process', () => {
        const pids = pidsWithEnv(fsProcReader, 'POOLSCALE_WORKER_MARK', mark);
        return pids.length > 0 && pids;
      });
      expect(found).toHaveLength(1);
    } finally {
      killGroups(pidsWithEnv(fsProcReader, 'POOLSCALE_WORKER_MARK', mark));
      killGroups([escaped.pid!]);
    }
  });
});

describe('Method: RedisQueueProbe.celeryBacklog (real Redis, kombu\'s Redis transport layout)', () => {
  let redis: TestRedis;
  let client: Redis;
  let probe: RedisQueueProbe;
  beforeAll(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    probe = new RedisQueueProbe(redis.url);
  });
  afterAll(async () => {
    await probe.close();
    client.disconnect();
    await redis.stop();
  });

  it('counts ready tasks in every priority sub-list of every queue, plus the unacked (prefetched) ones of those queues only', async () => {
    // Prepare: queue a: 138 ready at priority 0, 2 at priority 3, 1 at 9; queue b: 4 ready;
    // unacked: 32 from a, 1 from b, 5 from another pool's queue c
    const unacked = (queue: string) => JSON.stringify([{ body: 'x', properties: { delivery_info: { exchange: queue, routing_key: queue } } }, queue, queue]);
    await client.lpush('a', ...Array.from({ length: 138 }, (_, i) => `m${i}`));
    await client.lpush(`a${CELERY_PRIORITY_SEP}3`, 'p1', 'p2');
    await client.lpush(`a${CELERY_PRIORITY_SEP}9`, 'p3');
    await client.lpush('b', 'b1', 'b2', 'b3', 'b4');
    await client.lpush('c', 'c1');
    const entries: string[] = [];
    for (let i = 0; i < 32; i++) entries.push(`tag-a-${i}`, unacked('a'));
    entries.push('tag-b', unacked('b'));
    for (let i = 0; i < 5; i++) entries.push(`tag-c-${i}`, unacked('c'));
    await client.hset('unacked', ...entries);

    // Act + Assess (the old probe: LLEN a = 138)
    expect(await probe.celeryBacklog(['a', 'b'])).toBe(138 + 2 + 1 + 4 + 32 + 1);
    expect(await probe.celeryBacklog(['c'])).toBe(1 + 5);
  });

  it('leaves out the unacked tasks the workers report running (task_acks_late keeps them there), by headers.id or correlation_id', async () => {
    // Prepare: queue d: 3 ready; unacked: 4 tasks, t1 and t2 running (one named only by its correlation_id), t3 and t4 prefetched
    const entry = (id: string, byHeader: boolean) =>
      JSON.stringify([{ body: 'x', ...(byHeader ? { headers: { id } } : {}), properties: { correlation_id: id, delivery_info: { routing_key: 'd' } } }, 'd', 'd']);
    await client.lpush('d', 'd1', 'd2', 'd3');
    await client.hset('unacked', 'tag-t1', entry('t1', true), 'tag-t2', entry('t2', false), 'tag-t3', entry('t3', true), 'tag-t4', entry('t4', true));

    // Act + Assess
    expect(await probe.celeryBacklog(['d'])).toBe(3 + 4);
    expect(await probe.celeryBacklog(['d'], new Set(['t1', 't2', 'elsewhere']))).toBe(3 + 2);
  });
});

describe('Function: hostReading queue_length', () => {
  const report: HostReport = { at: 1, memAvailableGb: 1, memTotalGb: 2, cpu: 0, load1: 0, pools: { web: { running: 1, busy: 0, rssGb: 0, queueLength: 9 } }, queues: { 'jobs:high': 4 } };

  it.each([
    { key: undefined, expected: { value: 9, at: 1 } },
    { key: 'jobs:high', expected: { value: 4, at: 1 } },
    { key: 'jobs:low', expected: { error: 'host report has no queue_length of "jobs:low" for pool "web"', at: 1 } },
  ])('key $key -> $expected', ({ key, expected }) => {
    expect(hostReading(report, 'web', { source: 'host', type: 'queue_length', ...(key ? { key } : {}) })).toEqual(expected);
  });
});
