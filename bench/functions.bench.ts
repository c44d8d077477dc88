/**
 * `npx tsx bench/run.ts functions`: the Lambda functions as deployed.
 *  1. Bundle size of each function with the CDK construct's esbuild settings (bundle, ESM,
 *     node24, minify, `@aws-sdk/*` external: the Node 24 runtime ships SDK v3). Target <= 500 KiB.
 *  2. Cold import time of each bundle in a fresh `node` process, median of 5. Target <= 50 ms.
 *  3. Alarm event entering the evaluate handler -> ECS UpdateService request, with DynamoDB on
 *     dynalite and ECS mocked at the SDK: the first invocation (deps built) and warm ones.
 *     Target <= 1 s.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DescribeServicesCommand, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { mockClient } from 'aws-sdk-client-mock';
import { build, type Plugin } from 'esbuild';
import { createEvaluateHandler } from '../functions/evaluate';
import { buildDeps } from '../functions/lib/deps';
import { createDocumentClient, DynamoPolicyStore } from '../shared/adapters/dynamodb';
import { PoolSchema } from '../shared/domain/policy';
import { createTables, startDynalite, TEST_CREDENTIALS, TEST_REGION, uniqueTableNames } from '../test/support/dynalite';
import type { Bench } from './run';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repo so the bundles resolve the external @aws-sdk/* from node_modules, as Lambda resolves its own.
const outDir = join(root, 'node_modules', '.cache', 'poolscale-functions-bench');
const FUNCTIONS = ['evaluate', 'api', 'relay'] as const;
const SIZE_TARGET_KIB = 500;
const IMPORT_TARGET_MS = 50;
const LATENCY_TARGET_MS = 1_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)]!;
const mark = (ok: boolean) => (ok ? 'ok' : 'OVER TARGET');

/**
 * zod 4's `z` namespace re-exports every locale (`z.locales`), ~250 KiB that tree shaking cannot
 * drop; poolscale only uses the default English messages. This plugin keeps `en` alone. It is
 * measured as a second figure because NodejsFunction's esbuild settings take no plugins.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/') ? { path: args.importer, namespace: 'zod-english-only' } : undefined,
    );
    builder.onLoad({ filter: /.*/, namespace: 'zod-english-only' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path.replace(/(classic|mini|core)\/[a-z]+\.js$/, 'locales/en.js'))};`,
      resolveDir: root,
    }));
  },
};

async function bundle(name: string, plugins: Plugin[] = []): Promise<string> {
  const outfile = join(outDir, `${name}${plugins.length ? '.en-only' : ''}.mjs`);
  await build({
    plugins,
    entryPoints: [join(root, 'functions', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    minify: true,
    sourcemap: false,
    external: ['@aws-sdk/*'],
    // CommonJS dependencies (ioredis) call require(); an ESM bundle needs one (NodejsFunction adds the same banner).
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

/** Milliseconds to import the bundle (or bare specifiers) in a fresh node process, module evaluation included. */
function coldImportMs(...specifiers: string[]): number {
  const imports = specifiers.map((s) => `await import(${JSON.stringify(s.startsWith('/') ? pathToFileURL(s).href : s)});`).join('');
  const script = `const t=performance.now();${imports}process.stdout.write(String(performance.now()-t));`;
  const output = execFileSync(process.execPath, ['--input-type=module', '--no-warnings', '-e', script], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    cwd: root,
    encoding: 'utf8',
  });
  return Number(output);
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
  description: 'Lambda bundles (esbuild, ESM, node24, minified, @aws-sdk external): size, cold import; alarm -> UpdateService latency',
  async run(log) {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    log(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')} (import times scale with it)`);
    log('| function | bundle KiB (NodejsFunction settings) | KiB, zod English only | cold import ms (median of 5) | runs (ms) |');
    log('|---|---|---|---|---|');
    for (const name of FUNCTIONS) {
      const file = await bundle(name);
      const kib = statSync(file).size / 1024;
      const enKib = statSync(await bundle(name, [zodEnglishOnly])).size / 1024;
      const runs = Array.from({ length: 5 }, () => coldImportMs(file));
      const mid = median(runs);
      log(
        `| ${name} | ${kib.toFixed(1)} (${mark(kib <= SIZE_TARGET_KIB)}) | ${enKib.toFixed(1)} (${mark(enKib <= SIZE_TARGET_KIB)}) | ${mid.toFixed(1)} (${mark(mid <= IMPORT_TARGET_MS)}) | ${runs.map((r) => r.toFixed(1)).join(', ')} |`,
      );
    }
    // Baselines in the same conditions: what of the import time is the SDK and zod themselves.
    const sdk = Array.from({ length: 5 }, () =>
      coldImportMs('@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-ecs', '@aws-sdk/client-cloudwatch', '@aws-sdk/client-secrets-manager'),
    );
    const zod = Array.from({ length: 5 }, () => coldImportMs('zod'));
    const empty = Array.from({ length: 5 }, () => coldImportMs());
    log(`baseline cold import, median of 5: the five @aws-sdk clients alone ${median(sdk).toFixed(1)} ms; zod alone ${median(zod).toFixed(1)} ms; nothing ${median(empty).toFixed(1)} ms`);
    const { cold, warm } = await alarmToUpdateService(log);
    log(`alarm event -> UpdateService request (dynalite, ECS mocked):`);
    log(`  first invocation (deps built): ${cold.toFixed(1)} ms (${mark(cold <= LATENCY_TARGET_MS)})`);
    log(`  warm, 30 runs: median ${median(warm).toFixed(1)} ms, p95 ${percentile(warm, 95).toFixed(1)} ms, max ${Math.max(...warm).toFixed(1)} ms (${mark(Math.max(...warm) <= LATENCY_TARGET_MS)})`);
  },
};

export default bench;
