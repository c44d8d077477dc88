/**
 * Local storage of `poolscale up` over time: 9 pools evaluated every second with the real
 * embedded store (dynalite on disk, the deployed DynamoDB adapters) and the real runtime tick,
 * on a simulated clock, so one simulated hour runs in a few minutes. The metric changes every
 * tick (a noisy load), so decisions differ and the history grows as fast as it can.
 *
 * Reports, every 10 simulated minutes: the data folder's size on disk, history items, agents
 * table items (relay nonces, 1 heartbeat/s of one host), with the local prune (TTL from the
 * table definitions + the per-pool history limit) every 10 simulated minutes, as `up` does.
 *
 *   npx tsx bench/localStorage.bench.ts [--minutes 60] [--limit 2000] [--no-prune] [--in-memory]
 *
 * `--in-memory` keeps the store in memory (`up --in-memory`) and reports the heap instead.
 *
 * `--limit N` sets the per-pool history limit (a scaled run: a small limit shows the plateau
 * that the default limit reaches after 10,000 decisions per pool).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { NoneTarget } from '../shared/adapters/memory';
import { NONCE_KEY_PREFIX } from '../shared/adapters/dynamodb/tables';
import { PoolSchema } from '../shared/domain/policy';
import type { MetricReading } from '../shared/domain/types';
import { LOCAL_HISTORY_LIMIT_PER_POOL, startEmbeddedStorage, type EmbeddedStorage } from '../shared/local/embeddedStorage';
import type { MetricRequest, MetricSource } from '../shared/ports/MetricSource';
import { runTick } from '../shared/runtime/tick';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    limit: { type: 'string', default: String(LOCAL_HISTORY_LIMIT_PER_POOL) },
    'no-prune': { type: 'boolean', default: false },
    pools: { type: 'string', default: '9' },
    'in-memory': { type: 'boolean', default: false },
  },
});
const MINUTES = Number(values.minutes);
const POOLS = Number(values.pools);
const PRUNE = !values['no-prune'];

/** A noisy busy count per pool: a new value every tick. */
class NoisyLoad implements MetricSource {
  readonly sources = ['static'] as const;
  private seed = 42;
  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    const readings = new Map<string, MetricReading>();
    for (const request of requests) {
      this.seed = (this.seed * 1_103_515_245 + 12_345) % 2 ** 31;
      readings.set(request.id, { value: 1 + (this.seed % 15), at: now });
    }
    return readings;
  }
}

const du = (dir: string): number => Number(execFileSync('du', ['-sk', dir], { encoding: 'utf8' }).split('\t')[0]) * 1024;

const heapMb = (): string => {
  (globalThis as { gc?: () => void }).gc?.();
  return (process.memoryUsage().heapUsed / 1e6).toFixed(1);
};

async function count(storage: EmbeddedStorage, table: string): Promise<number> {
  let total = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await storage.client.send(new ScanCommand({ TableName: table, Select: 'COUNT', ExclusiveStartKey: startKey }));
    total += page.Count ?? 0;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return total;
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'poolscale-bench-storage-'));
  let now = Date.UTC(2026, 10, 1);
  const inMemory = values['in-memory'];
  const storage = await startEmbeddedStorage(inMemory ? undefined : dir, { now: () => now, historyLimitPerPool: Number(values.limit) });
  for (let i = 0; i < POOLS; i++) {
    await storage.policies.put(
      PoolSchema.parse({
        id: `pool-${i}`,
        target: { kind: 'none' },
        min: 1,
        max: 40,
        interval: '1s',
        metrics: { busy: { source: 'static', value: 0 } },
        rules: [{ type: 'buffer', minFree: 2, batch: 2, maxFree: 4 }],
        behaviour: { cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 },
      }),
    );
  }
  const deps = {
    policies: storage.policies,
    states: storage.states,
    log: storage.log,
    metrics: [new NoisyLoad()],
    targets: [new NoneTarget()],
    clock: { now: () => now },
  };
  console.log(`# ${POOLS} pools at 1 s for ${MINUTES} simulated minutes, history limit ${values.limit}/pool, prune ${PRUNE ? 'every 10 min' : 'off'}`);
  console.log(`| simulated min | ${inMemory ? 'heap used MB (after GC)' : 'data folder MB'} | history items | agents items | prune ms | wall s |`);
  console.log('|---:|---:|---:|---:|---:|---:|');
  const started = Date.now();
  for (let second = 1; second <= MINUTES * 60; second++) {
    now += 1000;
    await runTick(deps, { trigger: 'schedule' });
    // One host's heartbeat per second: one used nonce, valid for twice the clock-skew window.
    await storage.client.send(
      new PutCommand({ TableName: storage.tables.agents, Item: { hostId: `${NONCE_KEY_PREFIX}bench#${second}`, expiresAt: Math.ceil((now + 10 * 60_000) / 1000) } }),
    );
    if (second % 600 === 0) {
      const pruneStart = Date.now();
      if (PRUNE) await storage.prune();
      const pruneMs = Date.now() - pruneStart;
      console.log(
        `| ${second / 60} | ${inMemory ? heapMb() : (du(dir) / 1e6).toFixed(1)} | ${await count(storage, storage.tables.history)} | ${await count(storage, storage.tables.agents)} | ${PRUNE ? pruneMs : '-'} | ${((Date.now() - started) / 1000).toFixed(0)} |`,
      );
    }
  }
  const files = execFileSync('sh', ['-c', `ls -laS ${dir} | head -8`], { encoding: 'utf8' });
  await storage.close();
  console.log(`final data folder after close: ${(du(dir) / 1e6).toFixed(1)} MB\nlargest files before close:\n${files}`);
  rmSync(dir, { recursive: true, force: true });
}

await main();
