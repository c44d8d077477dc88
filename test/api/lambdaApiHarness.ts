/**
 * The API as deployed, for tests: the module-level `handler` of functions/api.ts with its
 * dependencies built from the environment exactly as in Lambda (table names from env, DynamoDB
 * through AWS_ENDPOINT_URL_DYNAMODB = dynalite), ECS mocked at the SDK with a stateful service.
 * `lambdaApiHarness()` registers its beforeAll/afterAll hooks in the calling test file.
 */
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, vi } from 'vitest';
import { createDocumentClient, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { fixture } from '../functions/support';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite } from '../support/dynalite';

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

const JSON_TYPE = { 'content-type': 'application/json' };

type Handler = (event: unknown) => Promise<{ statusCode?: number; headers?: Record<string, unknown>; body?: string }>;

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

/** ECS at the SDK: a service per name whose desired count is what UpdateService last set. */
export function statefulEcs(initial = 2) {
  const ecs = mockClient(ECSClient);
  const desired = new Map<string, number>();
  let failUpdates: Error | undefined;
  ecs.on(DescribeServicesCommand).callsFake((input: { cluster?: string; services?: string[] }) => ({
    services: (input.services ?? []).map((name) => {
      const count = desired.get(name) ?? initial;
      return {
        serviceName: name,
        serviceArn: `arn:aws:ecs:${TEST_REGION}:123456789012:service/${input.cluster}/${name}`,
        status: 'ACTIVE',
        desiredCount: count,
        runningCount: count,
        pendingCount: 0,
        deployments: [{ id: 'ecs-svc/1', status: 'PRIMARY', rolloutState: 'COMPLETED', desiredCount: count, runningCount: count, pendingCount: 0 }],
      };
    }),
    failures: [],
  }));
  ecs.on(UpdateServiceCommand).callsFake((input: { service: string; desiredCount: number }) => {
    if (failUpdates) throw failUpdates;
    desired.set(input.service, input.desiredCount);
    return {};
  });
  const updates = () => ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input as { service: string; desiredCount: number });
  return {
    ecs,
    updates,
    failWith: (error: Error | undefined) => {
      failUpdates = error;
    },
  };
}


export interface LambdaApi {
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  readonly ecs: ReturnType<typeof statefulEcs>;
  readonly store: DynamoPolicyStore;
}

/** An ECS pool body for PUT /pools/{id}. */
export const ecsPool = (id: string, extra: Record<string, unknown> = {}) => ({
  target: { kind: 'ecs', cluster: 'prod', service: `${id}-svc` },
  min: 1,
  max: 20,
  metrics: { busy: { source: 'static', value: 1 } },
  rules: [{ type: 'buffer', minFree: 1, batch: 1 }],
  ...extra,
});

export function lambdaApiHarness(prefix: string): LambdaApi {
  let dynalite: Dynalite;
  let handler: Handler;
  let ecs: ReturnType<typeof statefulEcs>;
  let store: DynamoPolicyStore;
  const saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));

  beforeAll(async () => {
    dynalite = await startDynalite();
    const names = uniqueTableNames(prefix);
    await createTables(dynalite.client, names);
    store = new DynamoPolicyStore(createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS }), names.policies);
    Object.assign(process.env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      AWS_REGION: TEST_REGION,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    });
    ecs = statefulEcs(2);
    // Powertools and EMF write to stdout; keep the test output readable.
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    ({ handler } = (await import('../../functions/api')) as unknown as { handler: Handler });
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    ecs.ecs.restore();
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
    await dynalite.stop();
  });

  beforeEach(() => ecs.failWith(undefined));

  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = body === undefined ? {} : JSON_TYPE): Promise<Answer> {
    const event = fixture('api-get-pools');
    const [rawPath, query = ''] = path.split('?') as [string, string | undefined];
    event.rawPath = rawPath;
    event.rawQueryString = query;
    event.queryStringParameters = Object.fromEntries(new URLSearchParams(query));
    event.requestContext.http.method = method;
    event.requestContext.http.path = rawPath;
    event.headers = { ...event.headers, ...headers };
    if (body !== undefined) event.body = typeof body === 'string' ? body : JSON.stringify(body);
    const result = await handler(event);
    const text = result.body ?? '';
    return {
      status: result.statusCode ?? 0,
      headers: Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)])),
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
  }

  return {
    call,
    get ecs() {
      return ecs;
    },
    get store() {
      return store;
    },
  };
}
