/**
 * Issue 11, finding 6: locally nothing expired. dynalite has no TTL, so the local control plane
 * prunes: items past their TTL attribute (the shared table definitions: history `expiresAt`
 * as written by DynamoDecisionLog with the deployed TTL, used relay nonces), and each pool's
 * history beyond the local limit. With a simulated clock, and in memory (`--in-memory`) too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { NONCE_KEY_PREFIX } from '../../shared/adapters/dynamodb/tables';
import type { Decision } from '../../shared/domain/types';
import { startControlPlane, type ControlPlane } from '../../shared/local/controlPlane';
import { type EmbeddedStorage, startEmbeddedStorage } from '../../shared/local/embeddedStorage';
import { botsConfig } from '../support/botsConfig';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

const decision = (poolId: string, at: number): Decision => ({
  poolId,
  at,
  current: 2,
  desired: 2,
  action: 'none',
  dryRun: false,
  reasons: [{ code: 'hold', message: 'steady' }],
  proposals: [],
});

describe('Function: embedded storage prune (simulated clock)', () => {
  const open: EmbeddedStorage[] = [];
  afterEach(async () => {
    for (const storage of open.splice(0)) await storage.close();
  });

  const start = async (limit = 1_000) => {
    let now = T0;
    const storage = await startEmbeddedStorage(undefined, { now: () => now, historyLimitPerPool: limit });
    open.push(storage);
    await storage.policies.put(botsConfig().pools[0]!);
    return { storage, advance: (ms: number) => (now += ms), now: () => now };
  };
  const nonce = (storage: EmbeddedStorage, id: string, expiresAtMs: number) =>
    storage.client.send(new PutCommand({ TableName: storage.tables.agents, Item: { hostId: `${NONCE_KEY_PREFIX}h#${id}`, expiresAt: Math.ceil(expiresAtMs / 1000) } }));
  const nonceExists = async (storage: EmbeddedStorage, id: string) =>
    (await storage.client.send(new GetCommand({ TableName: storage.tables.agents, Key: { hostId: `${NONCE_KEY_PREFIX}h#${id}` } }))).Item !== undefined;

  it('removes decisions once their TTL (the deployed one, written by DynamoDecisionLog) has passed', async () => {
    // Prepare: decisions from 40, 29 and 1 days ago.
    const { storage } = await start();
    for (const daysAgo of [40, 29, 1]) await storage.log.append(decision('bots', T0 - daysAgo * DAY));

    // Act
    const result = await storage.prune(T0);

    // Assess: the 30-day TTL of the deployed table removed only the 40-day-old one.
    expect(result.expired.history).toBe(1);
    expect((await storage.log.list('bots', { limit: 10 })).map((d) => Math.round((T0 - d.at) / DAY))).toEqual([1, 29]);

    // Act: 2 days later the 29-day-old one has expired too.
    await storage.prune(T0 + 2 * DAY);
    expect((await storage.log.list('bots', { limit: 10 })).map((d) => Math.round((T0 - d.at) / DAY))).toEqual([1]);
  });

  it('removes used nonces once expired, keeps the live ones, and leaves host records alone', async () => {
    // Prepare
    const { storage, advance, now } = await start();
    await storage.agents.put({ hostId: 'h', secret: 'host-secret-0123456789abcdef', poolIds: [], desired: {}, version: 1 }, 0);
    for (let i = 0; i < 50; i++) await nonce(storage, `old-${i}`, now() + 60_000);
    await nonce(storage, 'fresh', now() + 20 * 60_000);

    // Act: 10 minutes later.
    advance(10 * 60_000);
    const result = await storage.prune();

    // Assess
    expect(result.expired.agents).toBe(50);
    expect(await nonceExists(storage, 'old-0')).toBe(false);
    expect(await nonceExists(storage, 'fresh')).toBe(true);
    expect((await storage.agents.get('h'))?.hostId).toBe('h');
  });

  it('keeps at most the per-pool limit of decisions, the newest', async () => {
    // Prepare
    const { storage } = await start(5);
    for (let i = 0; i < 12; i++) await storage.log.append(decision('bots', T0 - (12 - i) * 1000));

    // Act
    const result = await storage.prune(T0);

    // Assess
    expect(result.overLimit).toBe(7);
    const kept = await storage.log.list('bots', { limit: 100 });
    expect(kept.map((d) => (T0 - d.at) / 1000)).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('Function: embedded storage prune on disk', () => {
  it('reopens and compacts the store: the kept items read back and writes go on', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'poolscale-prune-disk-'));
    const storage = await startEmbeddedStorage(dir, { now: () => T0, historyLimitPerPool: 5 });
    try {
      await storage.policies.put(botsConfig().pools[0]!);
      for (let i = 0; i < 200; i++) await storage.log.append(decision('bots', T0 - (200 - i) * 1000));

      // Act
      const result = await storage.prune(T0);
      await storage.log.append(decision('bots', T0));

      // Assess
      expect(result.overLimit).toBe(195);
      expect((await storage.log.list('bots', { limit: 100 })).map((d) => (T0 - d.at) / 1000)).toEqual([0, 1, 2, 3, 4, 5]);
      expect((await storage.policies.get('bots'))?.id).toBe('bots');
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Function: startControlPlane prunes periodically, in memory too', () => {
  let plane: ControlPlane | undefined;
  afterEach(async () => {
    await plane?.stop();
  });

  it('an expired nonce is removed by the periodic prune of an in-memory control plane', async () => {
    // Prepare
    plane = await startControlPlane({ config: botsConfig(), port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000, pruneMs: 200 });
    const storage = plane.storage;
    const key = { hostId: `${NONCE_KEY_PREFIX}h#expired` };
    await storage.client.send(new PutCommand({ TableName: storage.tables.agents, Item: { ...key, expiresAt: Math.floor(Date.now() / 1000) - 60 } }));

    // Act / Assess: gone within the deadline.
    await expect
      .poll(async () => (await storage.client.send(new GetCommand({ TableName: storage.tables.agents, Key: key }))).Item, { timeout: 20_000, interval: 200 })
      .toBeUndefined();
  });
});
