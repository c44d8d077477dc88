/**
 * Host routes wired in the Lambda composition root (issue 10 item 9, test by helper B): POST /hosts
 * through functions/api.ts seals the secret at rest, and functions/relay.ts accepts a heartbeat
 * signed with the secret printed once. The key comes from AGENT_SECRET_KEY, or as the stack
 * deploys it from the generated Secrets Manager secret named by AGENT_SECRET_KEY_SECRET_ARN.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, expect, it, vi } from 'vitest';
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
  Object.assign(process.env, { POLICIES_TABLE: tables.policies, STATE_TABLE: tables.state, HISTORY_TABLE: tables.history, AGENTS_TABLE: tables.agents, AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint, AWS_REGION: TEST_REGION, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, POWERTOOLS_LOG_LEVEL: 'CRITICAL' });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterAll(async () => { vi.restoreAllMocks(); await dynalite.stop(); delete process.env.AGENT_SECRET_KEY; delete process.env.AGENT_SECRET_KEY_SECRET_ARN; });
const secrets = mockClient(SecretsManagerClient);
const KEY_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:PoolscaleAgentSecretKey-AbCdEf';
// Each case is a cold container: fresh modules, so the per-container deps (and the key) are built again.
beforeEach(() => {
  vi.resetModules();
  secrets.reset();
  delete process.env.AGENT_SECRET_KEY;
  delete process.env.AGENT_SECRET_KEY_SECRET_ARN;
});

it.each([
  { case: 'AGENT_SECRET_KEY', env: { AGENT_SECRET_KEY: Buffer.alloc(32, 4).toString('base64') }, hostId: 'r620-01' },
  { case: 'the stack\'s generated secret (AGENT_SECRET_KEY_SECRET_ARN)', env: { AGENT_SECRET_KEY_SECRET_ARN: KEY_ARN }, hostId: 'r620-02' },
])('POST /hosts through functions/api.ts, sealed at rest, heartbeat accepted by functions/relay.ts: key from $case', async ({ env, hostId }) => {
  Object.assign(process.env, env);
  secrets.on(GetSecretValueCommand, { SecretId: KEY_ARN }).resolves({ SecretString: JSON.stringify({ key: 'k'.repeat(20) + 'Zq9'.repeat(15) }) });
  const api = (await import('../../functions/api')).handler;
  const relay = (await import('../../functions/relay')).handler;
  const event = fixture('api-get-pools');
  event.rawPath = '/hosts'; event.requestContext.http.method = 'POST'; event.requestContext.http.path = '/hosts'; event.routeKey = 'POST /hosts';
  event.headers = { ...event.headers, 'content-type': 'application/json' };
  event.body = JSON.stringify({ hostId, poolIds: [] });
  const added = await api(event);
  expect(added.statusCode, added.body).toBe(201);
  const secret = JSON.parse(added.body!).secret as string;
  const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const { Item } = await client.send(new GetCommand({ TableName: tables.agents, Key: { hostId } }));
  expect(Item?.secret).toMatch(/^sealed:v1:/);
  const hb = fixture('relay-heartbeat');
  const text = JSON.stringify({ agentVersion: 't', report: { at: Date.now(), memAvailableGb: 1, memTotalGb: 2, cpu: 1, load1: 1, pools: {} } });
  hb.headers = { ...hb.headers, ...signRequest({ hostId, secret, body: text, now: Date.now(), nonce: randomUUID() }) };
  hb.body = text;
  const answer = await relay(hb);
  expect(answer.statusCode, answer.body).toBe(200);
  // Read once per container (api and relay are separate containers in Lambda; here one module graph).
  expect(secrets.commandCalls(GetSecretValueCommand).length).toBe('AGENT_SECRET_KEY_SECRET_ARN' in env ? 1 : 0);
});

it('a sealing-key secret that cannot be read fails the invocation with a configuration error, storing nothing unsealed', async () => {
  process.env.AGENT_SECRET_KEY_SECRET_ARN = KEY_ARN;
  secrets.on(GetSecretValueCommand).rejects(new Error('AccessDeniedException'));
  const api = (await import('../../functions/api')).handler;
  const event = fixture('api-get-pools');
  event.rawPath = '/hosts'; event.requestContext.http.method = 'POST'; event.requestContext.http.path = '/hosts'; event.routeKey = 'POST /hosts';
  event.headers = { ...event.headers, 'content-type': 'application/json' };
  event.body = JSON.stringify({ hostId: 'r620-03', poolIds: [] });
  const answer = await api(event);
  expect(answer.statusCode).toBe(500);
  const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  const { Item } = await client.send(new GetCommand({ TableName: tables.agents, Key: { hostId: 'r620-03' } }));
  expect(Item).toBeUndefined();
});
