/**
 * Issue 10, item 7: `GET /pools/{id}/history` pages through every decision, also when many
 * share one millisecond (an alarm, a manual scale and the schedule together; overlapping
 * ticks), through the exported handler of functions/api.ts with deps from the environment
 * (DynamoDB on dynalite through AWS_ENDPOINT_URL_DYNAMODB).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDocumentClient, DynamoDecisionLog, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { PoolSchema } from '../../shared/domain/policy';
import type { Decision } from '../../shared/domain/types';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';
import { fixture } from './support';

const ENV_KEYS = [
  'POLICIES_TABLE',
  'STATE_TABLE',
  'HISTORY_TABLE',
  'AGENTS_TABLE',
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'POWERTOOLS_LOG_LEVEL',
] as const;

const AT = Date.parse('2026-11-23T12:00:00.123Z');
const SAME_MS = 120;

const decision = (desired: number, at = AT): Decision => ({
  poolId: 'bots',
  at,
  current: 2,
  desired,
  action: 'none',
  dryRun: false,
  reasons: [{ code: 'hold', message: `decision ${desired}` }],
  proposals: [],
  trigger: 'schedule',
});

describe('Module: functions/api.ts, GET /pools/{id}/history paging', () => {
  let dynalite: Dynalite;
  let handler: (event: unknown) => Promise<unknown>;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

  beforeAll(async () => {
    dynalite = await startDynalite();
    const names = uniqueTableNames('paging');
    await createTables(dynalite.client, names);
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    await new DynamoPolicyStore(client, names.policies).put(
      PoolSchema.parse({ id: 'bots', target: { kind: 'none' }, min: 1, max: 200, metrics: { busy: { source: 'static', value: 1 } }, rules: [{ type: 'buffer', minFree: 1, batch: 1 }] }),
    );
    const log = new DynamoDecisionLog(client, names.history);
    // One older and one newer decision around a burst in one millisecond.
    await log.append(decision(1_000, AT - 1));
    for (let desired = 0; desired < SAME_MS; desired++) await log.append(decision(desired));
    await log.append(decision(2_000, AT + 1));
    client.destroy();
    Object.assign(process.env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    vi.resetModules();
    handler = (await import('../../functions/api')).handler as (event: unknown) => Promise<unknown>;
  });

  afterAll(async () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await dynalite.stop();
  });

  const historyPage = async (query: Record<string, string>) => {
    const event = fixture('api-get-pools');
    event.rawPath = '/pools/bots/history';
    event.requestContext.http.path = '/pools/bots/history';
    event.rawQueryString = new URLSearchParams(query).toString();
    event.queryStringParameters = query;
    const response = (await handler(event)) as { statusCode: number; body: string };
    expect(response.statusCode).toBe(200);
    return JSON.parse(response.body) as { decisions: Decision[]; next?: string | number };
  };

  it('returns every decision exactly once, newest first, following `next`', async () => {
    // Act
    const seen: Decision[] = [];
    let before: string | undefined;
    for (let page = 0; page < 50; page++) {
      const body = await historyPage({ limit: '25', ...(before === undefined ? {} : { before }) });
      seen.push(...body.decisions);
      if (body.next === undefined) break;
      before = String(body.next);
    }

    // Assess
    expect(seen).toHaveLength(SAME_MS + 2);
    expect(seen[0]!.desired).toBe(2_000);
    expect(seen.at(-1)!.desired).toBe(1_000);
    const burst = seen.filter((d) => d.at === AT).map((d) => d.desired);
    expect(new Set(burst).size).toBe(SAME_MS);
    expect(burst.sort((a, b) => a - b)).toEqual(Array.from({ length: SAME_MS }, (_, i) => i));
  });

  it('still accepts a time as `before` (epoch ms and ISO 8601)', async () => {
    // Act
    const [epoch, iso] = await Promise.all([historyPage({ before: String(AT) }), historyPage({ before: new Date(AT).toISOString() })]);

    // Assess
    expect(epoch.decisions.map((d) => d.desired)).toEqual([1_000]);
    expect(iso.decisions.map((d) => d.desired)).toEqual([1_000]);
  });
});
