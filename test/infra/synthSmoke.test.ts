/**
 * CI smoke test of what `cdk synth` produces: the app of cdk.json (infra/app.ts, cdk-nag
 * included) synthesizes offline with no AWS credentials, then each function's bundled asset
 * from the cloud assembly is imported in a fresh `node` process and invoked once with the
 * environment its template sets, tables on dynalite and Redis a real redis-server:
 * evaluate a scheduled tick, api `GET /pools`, relay an unsigned heartbeat (401).
 */
import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient, DynamoDecisionLog, DynamoPolicyStore } from '../../shared/adapters/dynamodb';
import { PoolSchema } from '../../shared/domain/policy';
import { fixture } from '../functions/support';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames, type Dynalite, type TableNames } from '../support/dynalite';
import { startRedis, type TestRedis } from '../support/redis';
import { CDK_JSON_CONTEXT } from './support';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
// Inside the repo, so the bundles resolve the external @aws-sdk/* from node_modules as Lambda resolves its own.
const OUTDIR = path.join(REPO_ROOT, 'node_modules', '.cache', `poolscale-synth-smoke-${process.pid}`);
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface SynthesizedFunction {
  handlerFile: string;
  environment: Record<string, unknown>;
}

/** Each Lambda function of the template by its Powertools service name: its bundle and environment. */
function functionsOf(outdir: string): Record<string, SynthesizedFunction> {
  const template = JSON.parse(readFileSync(path.join(outdir, 'Poolscale.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, any> }>;
  };
  const found: Record<string, SynthesizedFunction> = {};
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const environment = resource.Properties.Environment.Variables as Record<string, unknown>;
    const asset = (resource.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const [file, exported] = (resource.Properties.Handler as string).split('.');
    expect(exported).toBe('handler');
    found[String(environment.POWERTOOLS_SERVICE_NAME)] = { handlerFile: path.join(outdir, `asset.${asset}`, `${file}.mjs`), environment };
  }
  return found;
}

describe('CI smoke: the synthesized bundles', () => {
  let dynalite: Dynalite;
  let redis: TestRedis;
  let names: TableNames;
  let functions: Record<string, SynthesizedFunction>;

  /** Imports the bundle in a fresh node process, invokes its handler once with `event`, returns the result. */
  async function invoke(service: string, event: unknown): Promise<any> {
    const fn = functions[service]!;
    // The template's variables; table names are Refs there, resolved here to the dynalite tables.
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(fn.environment)) {
      if (typeof value === 'string') env[key] = value;
    }
    Object.assign(env, {
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
    });
    const script = `const { handler } = await import(${JSON.stringify(pathToFileURL(fn.handlerFile).href)});
const result = await handler(JSON.parse(process.env.SMOKE_EVENT));
process.stdout.write('\\n@@' + JSON.stringify(result));
process.exit(0);`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
      cwd: REPO_ROOT,
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        // Lambda's own variables.
        AWS_REGION: TEST_REGION,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
        POWERTOOLS_LOG_LEVEL: 'WARN',
        SMOKE_EVENT: JSON.stringify(event),
      },
    });
    return JSON.parse(stdout.slice(stdout.lastIndexOf('\n@@') + 3));
  }

  beforeAll(async () => {
    [dynalite, redis] = await Promise.all([startDynalite(), startRedis()]);
    names = uniqueTableNames('smoke');
    await createTables(dynalite.client, names);
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    await new DynamoPolicyStore(client, names.policies).put(
      PoolSchema.parse({
        id: 'smoke',
        target: { kind: 'none' },
        min: 1,
        max: 10,
        metrics: { queue_length: { source: 'redis', type: 'list_length', key: 'smoke-jobs' } },
        rules: [{ type: 'target', metric: 'queue_length', perWorker: 10 }],
      }),
    );
    client.destroy();
    const seed = new Redis(redis.url);
    await seed.rpush('smoke-jobs', ...Array.from({ length: 35 }, (_, index) => `job-${index}`));
    seed.disconnect();

    // `cdk synth` runs the cdk.json app with the context and output directory in these two
    // variables; no AWS credentials, no network. The Redis URL is plain configuration here.
    const env: Record<string, string | undefined> = { ...process.env };
    for (const key of Object.keys(env)) if (/^AWS_|^CDK_/.test(key)) delete env[key];
    await run(process.execPath, ['--import', TSX, path.join(REPO_ROOT, 'infra', 'app.ts')], {
      cwd: REPO_ROOT,
      timeout: 120_000,
      env: { ...env, CDK_OUTDIR: OUTDIR, CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, redisUrl: redis.url }) },
    });
    functions = functionsOf(OUTDIR);
  }, 150_000);

  afterAll(async () => {
    rmSync(OUTDIR, { recursive: true, force: true });
    await Promise.all([dynalite?.stop(), redis?.stop()]);
  });

  it('synthesizes three functions, each with its own bundle', () => {
    // Assess
    expect(Object.keys(functions).sort()).toEqual(['poolscale-api', 'poolscale-evaluate', 'poolscale-relay']);
    expect(new Set(Object.values(functions).map((fn) => fn.handlerFile)).size).toBe(3);
  });

  it('evaluate: a scheduled tick reads Redis and records a decision in DynamoDB', async () => {
    // Act
    const summary = await invoke('poolscale-evaluate', { ...fixture<Record<string, unknown>>('scheduled-event'), id: 'smoke-tick', time: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });

    // Assess: 35 jobs / 10 per worker -> 4.
    expect(summary).toMatchObject({ eventId: 'smoke-tick', evaluated: 1, errors: [] });
    const client = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    const [decision] = await new DynamoDecisionLog(client, names.history).list('smoke', { limit: 1 });
    client.destroy();
    expect(decision).toMatchObject({ poolId: 'smoke', desired: 4 });
  });

  it('api: GET /pools answers 200 with the pool', async () => {
    // Act
    const result = await invoke('poolscale-api', fixture('api-get-pools'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body).pools.map((pool: { id: string }) => pool.id)).toEqual(['smoke']);
  });

  it('relay: an unsigned heartbeat is refused with 401', async () => {
    // Prepare
    const event = fixture('relay-heartbeat');
    event.body = '{}';

    // Act
    const result = await invoke('poolscale-relay', event);

    // Assess
    expect(result.statusCode).toBe(401);
  });
});
