/**
 * Host routes wired in the Lambda composition root (issue 10 item 9, test by helper B): POST /hosts
 * through functions/api.ts seals the secret at rest (AGENT_SECRET_KEY), and functions/relay.ts
 * accepts a heartbeat signed with the secret printed once.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { createDocumentClient } from '../../shared/adapters/dynamodb';
import { signRequest } from '../../shared/relay';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';
import { fixture } from './support';

let dynalite: Dynalite;
let tables: ReturnType<typeof uniqueTableNames>;
beforeAll(async () => {
  dynalite = await startDynalite();
  tables = uniqueTableNames('wiring');
  await createTables(dynalite.client, tables);
  Object.assign(process.env, { POLICIES_TABLE: tables.policies, STATE_TABLE: tables.state, HISTORY_TABLE: tables.history, AGENTS_TABLE: tables.agents, AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint, AWS_REGION: TEST_REGION, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, POWERTOOLS_LOG_LEVEL: 'CRITICAL', AGENT_SECRET_KEY: Buffer.alloc(32, 4).toString('base64') });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(async () => { vi.restoreAllMocks(); await dynalite.stop(); });

it('POST /hosts through functions/api.ts, sealed at rest, heartbeat accepted by functions/relay.ts', async () => {
  const api = (await import('../../functions/api')).handler;
  const relay = (await import('../../functions/relay')).handler;
  const event = fixture('api-get-pools');
  event.rawPath = '/hosts'; event.requestContext.http.method = 'POST'; event.requestContext.http.path = '/hosts'; event.routeKey = 'POST /hosts';
  event.headers = { ...event.headers, 'content-type': 'application/json' };
  event.body = JSON.stringify({ hostId: 'r620-01', poolIds: [] });
  const added = await api(event);
  expect(added.statusCode, added.body).toBe(201);
  const secret = JSON.parse(added.body!).secret as string;
  const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const { Item } = await client.send(new GetCommand({ TableName: tables.agents, Key: { hostId: 'r620-01' } }));
  expect(Item?.secret).toMatch(/^sealed:v1:/);
  const hb = fixture('relay-heartbeat');
  const text = JSON.stringify({ agentVersion: 't', report: { at: Date.now(), memAvailableGb: 1, memTotalGb: 2, cpu: 1, load1: 1, pools: {} } });
  hb.headers = { ...hb.headers, ...signRequest({ hostId: 'r620-01', secret, body: text, now: Date.now(), nonce: randomUUID() }) };
  hb.body = text;
  const answer = await relay(hb);
  expect(answer.statusCode, answer.body).toBe(200);
});
