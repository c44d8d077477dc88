/**
 * Embedded storage for `poolscale up`: dynalite (a DynamoDB implementation) with the same four
 * tables and the same DynamoDB adapters as the deployed stack, on disk under the data folder
 * (or in memory). State and history therefore survive a restart, and the local runner
 * exercises exactly the code the Lambdas run.
 *
 * dynalite answers any caller, with `Access-Control-Allow-Origin: *`, so it never listens on
 * TCP: it listens on a Unix socket in a fresh 0700 folder, and the SDK client reaches it
 * through an HTTP agent that connects to that socket. Other users and web pages have no way in.
 *
 * DynamoDB removes items past their TTL attribute; dynalite does not, so `prune` does it here
 * with the TTL attributes of the shared table definitions (history after the same number of
 * days as deployed, used relay nonces once a replay would be refused by its timestamp anyway),
 * and also caps each pool's local history (a 1 s pool would otherwise keep 2.6 M decisions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent as HttpAgent, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../adapters/dynamodb';
import { batchDeleteKeys } from '../adapters/dynamodb/batchDelete';
import { TABLE_DEFINITIONS, type TableKey } from '../adapters/dynamodb/tables';
import { lockDataFolder, secureDataFolder } from './dataFolder';

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number }) => Server;
/** dynalite's store module: `create` makes the LevelDB-backed store a server uses. */
const dynaliteDb = require('dynalite/db') as { create: (options: object) => { db?: LevelDb } };

interface LevelIterator {
  close(): Promise<void>;
}
type LevelDb = { compactRange?: (start: string, end: string) => Promise<void> } & Partial<Record<'keys' | 'values' | 'iterator', (...args: unknown[]) => LevelIterator>>;

/** Iterators open longer than this are ones dynalite stopped reading and never closed (a request takes milliseconds). */
const STALE_ITERATOR_MS = 10_000;
const tracked = new WeakMap<LevelDb, Map<LevelIterator, number>>();

/**
 * dynalite does not close the LevelDB iterators of queries it stops reading early; each one
 * keeps a snapshot (in memory: the old versions of the data; on disk: the table files of its
 * time). The store's iterator factories are wrapped to remember when each iterator opened, so
 * that the prune can close those that outlived any real query.
 */
function trackIterators(db: LevelDb | undefined): Map<LevelIterator, number> {
  if (!db) return new Map();
  let open = tracked.get(db);
  if (open) return open;
  const registry = new Map<LevelIterator, number>();
  open = registry;
  tracked.set(db, registry);
  for (const method of ['keys', 'values', 'iterator'] as const) {
    const original = db[method]?.bind(db);
    if (!original) continue;
    db[method] = (...args: unknown[]) => {
      const iterator = original(...args);
      registry.set(iterator, Date.now());
      const close = iterator.close.bind(iterator);
      iterator.close = () => {
        registry.delete(iterator);
        return close();
      };
      return iterator;
    };
  }
  return registry;
}

async function closeStaleIterators(db: LevelDb | undefined): Promise<number> {
  const open = trackIterators(db);
  const cutoff = Date.now() - STALE_ITERATOR_MS;
  let closed = 0;
  for (const [iterator, openedAt] of open) {
    if (openedAt >= cutoff) continue;
    open.delete(iterator);
    await iterator.close().catch(() => undefined);
    closed++;
  }
  return closed;
}

/**
 * Starts dynalite and returns its LevelDB too. dynalite keeps the store to itself; its `db`
 * module is shared, so its `create` is wrapped for the duration of the call.
 */
function startDynalite(options: { path?: string; createTableMs: number }) {
  const create = dynaliteDb.create;
  let store: ReturnType<typeof create> | undefined;
  dynaliteDb.create = (storeOptions) => (store = create(storeOptions));
  try {
    const server = dynalite(options);
    trackIterators(store?.db);
    // dynalite's `recreate` (on listen after close) replaces the fields of the same object.
    return {
      server,
      compact: async () => store?.db?.compactRange?.('', '\uffff'),
      closeStaleIterators: () => closeStaleIterators(store?.db),
    };
  } finally {
    dynaliteDb.create = create;
  }
}

export const LOCAL_TABLES: Readonly<Record<TableKey, string>> = {
  policies: 'poolscale-policies',
  state: 'poolscale-state',
  history: 'poolscale-history',
  agents: 'poolscale-agents',
};

/** Decisions kept per pool locally, newest first (2,000 = 33 min at 1 s, 33 h at 1 min; the dashboard charts 300). */
export const LOCAL_HISTORY_LIMIT_PER_POOL = 2_000;

export interface EmbeddedStorageOptions {
  /** Clock for the stores and for pruning (tests pass a simulated one). */
  now?: () => number;
  /** Decisions kept per pool (default LOCAL_HISTORY_LIMIT_PER_POOL). */
  historyLimitPerPool?: number;
}

export interface PruneResult {
  /** Items removed because their TTL attribute was in the past, per table. */
  expired: Partial<Record<TableKey, number>>;
  /** Decisions removed beyond the per-pool limit. */
  overLimit: number;
  /** LevelDB iterators dynalite left open (see trackIterators), closed. */
  staleIterators: number;
}

export interface EmbeddedStorage {
  /** The Unix socket dynalite listens on (inside a 0700 folder). */
  socketPath: string;
  client: DynamoDBDocumentClient;
  tables: Readonly<Record<TableKey, string>>;
  policies: DynamoPolicyStore;
  states: DynamoStateStore;
  log: DynamoDecisionLog;
  agents: DynamoAgentStore;
  /** Removes expired items and history beyond the per-pool limit. */
  prune(now?: number): Promise<PruneResult>;
  close(): Promise<void>;
}

/** Starts dynalite with its data in `dataDir` (or in memory when `dataDir` is undefined). */
export async function startEmbeddedStorage(dataDir: string | undefined, options: EmbeddedStorageOptions | (() => number) = {}): Promise<EmbeddedStorage> {
  const { now = Date.now, historyLimitPerPool = LOCAL_HISTORY_LIMIT_PER_POOL } = typeof options === 'function' ? { now: options } : options;
  if (dataDir) secureDataFolder(dataDir);
  const unlock = dataDir ? lockDataFolder(dataDir) : () => {};
  // mkdtemp creates the folder 0700; the socket in it is reachable by this user only.
  const socketDir = mkdtempSync(join(tmpdir(), 'poolscale-store-'));
  const socketPath = join(socketDir, 'dynalite.sock');
  const { server, compact, closeStaleIterators: closeStale } = startDynalite({ ...(dataDir ? { path: dataDir } : {}), createTableMs: 0 });
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => {
        server.off('error', reject);
        resolve();
      });
    });
  try {
    await listen();
  } catch (error) {
    rmSync(socketDir, { recursive: true, force: true });
    unlock();
    throw error;
  }
  /**
   * Closes and reopens the store, then compacts it. dynalite does not close the LevelDB
   * iterators of queries it stops reading early, and an open iterator keeps every table file
   * of its time on disk: without this an hour at 1 s grew the folder to 170 MB for a few MB of
   * items. Requests caught in between fail once and are retried by the SDK.
   */
  const reopen = async () => {
    server.closeIdleConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(socketPath, { force: true });
    await listen();
    await compact();
  };
  const agent = new HttpAgent({ keepAlive: true });
  // Every connection of this agent goes to the socket, whatever host the endpoint names.
  agent.createConnection = () => createConnection({ path: socketPath });
  const raw = new DynamoDBClient({
    endpoint: 'http://localhost',
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    requestHandler: { httpAgent: agent },
  });
  const close = async () => {
    raw.destroy();
    agent.destroy();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(socketDir, { recursive: true, force: true });
    unlock();
  };
  try {
    await createTables(raw);
  } catch (error) {
    await close();
    throw error;
  }
  const client = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
  const policies = new DynamoPolicyStore(client, LOCAL_TABLES.policies, now);
  return {
    socketPath,
    client,
    tables: LOCAL_TABLES,
    policies,
    states: new DynamoStateStore(client, LOCAL_TABLES.state),
    log: new DynamoDecisionLog(client, LOCAL_TABLES.history),
    agents: new DynamoAgentStore(client, LOCAL_TABLES.agents),
    prune: async (at = now()) => {
      const staleIterators = await closeStale();
      const expired: PruneResult['expired'] = {};
      for (const key of Object.keys(LOCAL_TABLES) as TableKey[]) {
        const attribute = TABLE_DEFINITIONS[key].timeToLiveAttribute;
        if (attribute) expired[key] = await deleteExpired(client, key, attribute, Math.floor(at / 1000));
      }
      let overLimit = 0;
      // The history of a deleted pool is left to its TTL.
      for (const { id } of await policies.list()) overLimit += await trimHistory(client, id, historyLimitPerPool);
      // On disk only: reopening an in-memory store would empty it.
      if (dataDir && overLimit + Object.values(expired).reduce((sum, n) => sum + n, 0) > 0) await reopen();
      return { expired, overLimit, staleIterators };
    },
    close,
  };
}

async function createTables(raw: DynamoDBClient): Promise<void> {
  for (const key of Object.keys(LOCAL_TABLES) as TableKey[]) {
    const definition = TABLE_DEFINITIONS[key];
    try {
      await raw.send(
        new CreateTableCommand({
          TableName: LOCAL_TABLES[key],
          KeySchema: definition.keySchema,
          AttributeDefinitions: definition.attributeDefinitions,
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
    } catch (error) {
      // Tables persist in the data folder across restarts.
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
    }
  }
}

const keyOf = (key: TableKey, item: Record<string, unknown>): Record<string, unknown> => {
  const definition = TABLE_DEFINITIONS[key];
  const names = [definition.partitionKey.name, ...(definition.sortKey ? [definition.sortKey.name] : [])];
  return Object.fromEntries(names.map((name) => [name, item[name]]));
};

/** Best effort (a prune): items still unprocessed after 5 sends are left for the next prune. */
async function deleteKeys(client: DynamoDBDocumentClient, key: TableKey, keys: Record<string, unknown>[]): Promise<void> {
  await batchDeleteKeys(client, LOCAL_TABLES[key], keys, 5);
}

/** Deletes the items whose TTL attribute (epoch seconds) is before `nowSeconds`, as DynamoDB TTL does. */
async function deleteExpired(client: DynamoDBDocumentClient, key: TableKey, attribute: string, nowSeconds: number): Promise<number> {
  const definition = TABLE_DEFINITIONS[key];
  const names = { '#ttl': attribute, '#pk': definition.partitionKey.name, ...(definition.sortKey ? { '#sk': definition.sortKey.name } : {}) };
  let removed = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: LOCAL_TABLES[key],
        FilterExpression: '#ttl < :now',
        ProjectionExpression: definition.sortKey ? '#pk, #sk' : '#pk',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':now': nowSeconds },
        ExclusiveStartKey: startKey,
      }),
    );
    const keys = (page.Items ?? []).map((item) => keyOf(key, item));
    await deleteKeys(client, key, keys);
    removed += keys.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return removed;
}

/** Keeps the newest `limit` decisions of a pool. */
async function trimHistory(client: DynamoDBDocumentClient, poolId: string, limit: number): Promise<number> {
  let removed = 0;
  let kept = 0;
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: LOCAL_TABLES.history,
        KeyConditionExpression: 'poolId = :poolId',
        ExpressionAttributeValues: { ':poolId': poolId },
        ProjectionExpression: 'poolId, sk',
        ScanIndexForward: false,
        ExclusiveStartKey: startKey,
      }),
    );
    const items = page.Items ?? [];
    const keep = Math.max(0, Math.min(items.length, limit - kept));
    kept += keep;
    const doomed = items.slice(keep).map((item) => keyOf('history', item));
    await deleteKeys(client, 'history', doomed);
    removed += doomed.length;
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return removed;
}
