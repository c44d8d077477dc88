/**
 * `npx tsx bench/run.ts functions`: the Lambda functions as deployed.
 *  1. Code size of each function with the stack's own esbuild settings (infra/bundling: ESM,
 *     node24, minified, code splitting, `@aws-sdk/*` external), all chunks counted, with both
 *     Redis drivers (the largest a deployment ships) and with none. Target <= 500 KiB.
 *  2. Cold import of each bundle's handler in a fresh `node` process, median of 5, against a
 *     minimal handler holding one DynamoDB client bundled with the same settings, in the same
 *     run. Target <= 2x. Absolute ms scale with the machine's load; the ratio is the figure.
 *  3. With FUNCTIONS_BENCH_BEFORE=<a checkout of an earlier commit>: the same figures for that
 *     commit's functions with the earlier settings (NodejsFunction's: one file, no plugins).
 *  4. Alarm event entering the evaluate handler -> ECS UpdateService request, with DynamoDB on
 *     dynalite and ECS mocked at the SDK: the first invocation (deps built) and warm ones.
 *     Target <= 1 s.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { build } from 'esbuild';
import { createEvaluateHandler } from '../functions/evaluate';
import { buildDeps } from '../functions/lib/deps';
import { bundleFunction, ESM_REQUIRE_BANNER, type RedisDriver } from '../infra/bundling/bundleFunction';
import { createDocumentClient, DynamoPolicyStore } from '../shared/adapters/dynamodb';
import { PoolSchema } from '../shared/domain/policy';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames } from '../test/support/dynalite';
import type { Bench } from './run';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repo so the bundles resolve the external @aws-sdk/* from node_modules, as Lambda resolves its own.
const outDir = join(root, 'node_modules', '.cache', 'poolscale-functions-bench');
const FUNCTIONS = ['evaluate', 'api', 'relay'] as const;
const SIZE_TARGET_KIB = 500;
const IMPORT_RATIO_TARGET = 2;
const LATENCY_TARGET_MS = 1_000;
const RUNS = 5;
const execFileAsync = promisify(execFile);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const mark = (ok: boolean) => (ok ? 'ok' : 'OVER TARGET');

/** KiB of JavaScript under `dir` (source maps excluded). */
function codeKib(dir: string): number {
  return (
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.mjs'))
      .reduce((sum, file) => sum + statSync(join(dir, file)).size, 0) / 1024
  );
}

/** The deployed bundle of `entry` (infra/bundling), in its own directory; returns the handler file. */
async function deployed(name: string, entry: string, redisDrivers: readonly RedisDriver[]): Promise<{ dir: string; index: string }> {
  const dir = join(outDir, name);
  await bundleFunction({ entry, outdir: dir, redisDrivers, sourcemap: false });
  return { dir, index: join(dir, 'index.mjs') };
}

/** The settings before infra/bundling (NodejsFunction's): one file, no plugins. */
async function before(name: string, entry: string): Promise<{ dir: string; index: string }> {
  const dir = join(outDir, `before-${name}`);
  await build({
    entryPoints: [entry],
    outfile: join(dir, 'index.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
    external: ['@aws-sdk/*'],
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: 'error',
  });
  return { dir, index: join(dir, 'index.mjs') };
}

/** Milliseconds to import the file in a fresh node process, module evaluation included. */
function coldImportMs(file: string): number {
  const script = `const t=performance.now();await import(${JSON.stringify(pathToFileURL(file).href)});process.stdout.write(String(performance.now()-t));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_REGION: 'us-east-1' },
    cwd: root,
    encoding: 'utf8',
  });
  return Number(output);
}

/**
 * Milliseconds from nothing to the end of the first invocation in a fresh node process: the
 * import plus `handler(event)`, so work the handler defers to its first call counts too.
 */
async function coldStartMs(file: string, event: unknown, env: Record<string, string>): Promise<number> {
  const script = `const t=performance.now();const m=await import(${JSON.stringify(pathToFileURL(file).href)});await m.handler(${JSON.stringify(event)});process.stdout.write('@@'+String(performance.now()-t));process.exit(0);`;
  // Asynchronous: dynalite answers from this process, so it must not block while the child runs.
  const { stdout } = await execFileAsync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR', AWS_REGION: TEST_REGION, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, ...env },
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return Number(stdout.slice(stdout.lastIndexOf('@@') + 2));
}

/** Cold imports of several files interleaved (a, b, c, a, b, c, ...), so load changes hit each alike. */
function coldImports(files: string[]): number[][] {
  const runs = files.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round++) files.forEach((file, index) => runs[index]!.push(coldImportMs(file)));
  return runs;
}

/**
 * Cold start to the end of the first invocation, same run: the minimal handler's one GetItem
 * against evaluate's first scheduled tick over an empty policies table (deps built, one Scan),
 * both on dynalite.
 */
async function firstInvocations(log: (line: string) => void, minimal: string, evaluates: { label: string; index: string }[]): Promise<void> {
  const dynalite = await startDynalite();
  try {
    const names = uniqueTableNames('bench-cold');
    await createTables(dynalite.client, names);
    const env = {
      AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
      POLICIES_TABLE: names.policies,
      STATE_TABLE: names.state,
      HISTORY_TABLE: names.history,
      AGENTS_TABLE: names.agents,
    };
    const tick = {
      version: '0',
      id: 'bench-cold-tick',
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: '123456789012',
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      region: TEST_REGION,
      resources: [],
      detail: {},
    };
    const files = [{ label: 'minimal (one GetItem)', index: minimal }, ...evaluates];
    const runs = files.map(() => [] as number[]);
    for (let round = 0; round < RUNS; round++) {
      for (const [index, file] of files.entries()) runs[index]!.push(await coldStartMs(file.index, tick, env));
    }
    const base = median(runs[0]!);
    log('cold start to the end of the first invocation (import + handler(event), dynalite), median of 5:');
    files.forEach((file, index) => {
      const mid = median(runs[index]!);
      log(`  ${file.label}: ${mid.toFixed(1)} ms (${(mid / base).toFixed(2)}x minimal; runs ${runs[index]!.map((r) => r.toFixed(1)).join(', ')})`);
    });
  } finally {
    await dynalite.stop();
  }
}

async function alarmToUpdateService(log: (line: string) => void): Promise<{ cold: number; warm: number[] }> {
  const dynalite = await startDynalite();
  const names = uniqueTableNames('bench');
  await createTables(dynalite.client, names);
  const setupClient = createDocumentClient({ endpoint: dynalite.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  await new DynamoPolicyStore(setupClient, names.policies).put(
    PoolSchema.parse({
      id: 'web-api',
      target: { kind: 'ecs', cluster: 'prod', service: 'web-api-svc' },
      min: 1,
      max: 500,
      metrics: { busy: { source: 'static', value: 2 } },
      rules: [{ type: 'buffer', minFree: 2, batch: 3 }],
    }),
  );
  setupClient.destroy();

  const saved = { ...process.env };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynalite.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  });
  const env = { POLICIES_TABLE: names.policies, STATE_TABLE: names.state, HISTORY_TABLE: names.history, AGENTS_TABLE: names.agents };

  let running = 2;
  let updatedAt = 0;
  const ecs = mockClient(ECSClient);
  ecs.on(DescribeServicesCommand).callsFake(() => ({
    services: [{ serviceName: 'web-api-svc', status: 'ACTIVE', desiredCount: running, runningCount: running, pendingCount: 0, deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }] }],
    failures: [],
  }));
  ecs.on(UpdateServiceCommand).callsFake((input: { desiredCount: number }) => {
    updatedAt = performance.now();
    running = input.desiredCount;
    return {};
  });

  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  // A clock 10 minutes further each run, so cooldowns never hold the pool back.
  let now = Date.now();
  const clock = { now: () => now };
  let deps: Awaited<ReturnType<typeof buildDeps>> | undefined;
  const handler = createEvaluateHandler({
    runtime: async () => {
      deps ??= await buildDeps(env, { logger: quiet });
      return { ...deps.runtime, clock };
    },
    logger: quiet,
  });
  const alarm = (i: number) => ({
    version: '0',
    id: `bench-alarm-${i}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
    region: TEST_REGION,
    resources: [`arn:aws:cloudwatch:${TEST_REGION}:123456789012:alarm:poolscale-web-api-queue-high`],
    detail: { alarmName: 'poolscale-web-api-queue-high', state: { value: 'ALARM', reason: 'bench' }, previousState: { value: 'OK' } },
  });

  const run = async (i: number): Promise<number> => {
    now += 600_000;
    running = 2;
    updatedAt = 0;
    const started = performance.now();
    const summary = await handler(alarm(i));
    if (updatedAt === 0 || summary.acted.length !== 1) throw new Error(`run ${i}: no UpdateService (${JSON.stringify(summary)})`);
    return updatedAt - started;
  };
  try {
    const cold = await run(0);
    const warm: number[] = [];
    for (let i = 1; i <= 30; i++) warm.push(await run(i));
    log(`  UpdateService calls: ${ecs.commandCalls(UpdateServiceCommand).length} for 31 alarm events`);
    return { cold, warm };
  } finally {
    ecs.restore();
    process.env = saved;
    await dynalite.stop();
  }
}

const bench: Bench = {
  name: 'functions',
  description: 'Lambda bundles (infra/bundling: esbuild ESM, node24, minified, split, @aws-sdk external): size, cold import vs one DynamoDB client; alarm -> UpdateService latency',
  async run(log) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (import times scale with it)`);

    // The yardstick: a minimal handler holding one DynamoDB client, same settings.
    const minimalEntry = join(outDir, 'minimal-handler.ts');
    writeFileSync(
      minimalEntry,
      [
        "import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';",
        'const client = new DynamoDBClient({});',
        '// One read, so that a first invocation does what a real handler does at least once.',
        "export const handler = async () => client.send(new GetItemCommand({ TableName: process.env.POLICIES_TABLE, Key: { poolId: { S: 'none' } } }));",
        '',
      ].join('\n'),
    );
    const minimal = await deployed('minimal', minimalEntry, []);

    const rows: { label: string; kib: number; noRedisKib?: number; index: string }[] = [];
    for (const name of FUNCTIONS) {
      const entry = join(root, 'functions', `${name}.ts`);
      const both = await deployed(name, entry, ['tcp', 'rest']);
      const none = await deployed(`${name}-no-redis`, entry, []);
      rows.push({ label: name, kib: codeKib(both.dir), noRedisKib: codeKib(none.dir), index: both.index });
    }
    const beforeDir = process.env.FUNCTIONS_BENCH_BEFORE;
    if (beforeDir) {
      for (const name of FUNCTIONS) {
        const old = await before(name, join(beforeDir, 'functions', `${name}.ts`));
        rows.push({ label: `${name} (before)`, kib: codeKib(old.dir), index: old.index });
      }
    }

    const [minimalRuns, ...functionRuns] = coldImports([minimal.index, ...rows.map((row) => row.index)]);
    const base = median(minimalRuns!);
    log(`minimal handler (one DynamoDB client): ${codeKib(minimal.dir).toFixed(1)} KiB, cold import median ${base.toFixed(1)} ms (runs ${minimalRuns!.map((r) => r.toFixed(1)).join(', ')})`);
    log('| function | code KiB, both Redis drivers | KiB, no Redis | cold import ms, median of 5 | x minimal | runs (ms) |');
    log('|---|---|---|---|---|---|');
    rows.forEach((row, index) => {
      const runs = functionRuns[index]!;
      const mid = median(runs);
      const ratio = mid / base;
      log(
        `| ${row.label} | ${row.kib.toFixed(1)} (${mark(row.kib <= SIZE_TARGET_KIB)}) | ${row.noRedisKib === undefined ? '-' : row.noRedisKib.toFixed(1)} | ${mid.toFixed(1)} | ${ratio.toFixed(2)} (${mark(ratio <= IMPORT_RATIO_TARGET)}) | ${runs.map((r) => r.toFixed(1)).join(', ')} |`,
      );
    });
    await firstInvocations(log, minimal.index, rows.filter((row) => row.label === 'evaluate' || row.label === 'evaluate (before)'));
    const { cold, warm } = await alarmToUpdateService(log);
    log(`alarm event -> UpdateService request (dynalite, ECS mocked):`);
    log(`  first invocation (deps built): ${cold.toFixed(1)} ms (${mark(cold <= LATENCY_TARGET_MS)})`);
    log(`  warm, 30 runs: median ${median(warm).toFixed(1)} ms, p95 ${percentile(warm, 95).toFixed(1)} ms, max ${Math.max(...warm).toFixed(1)} ms (${mark(Math.max(...warm) <= LATENCY_TARGET_MS)})`);
  },
};

export default bench;
