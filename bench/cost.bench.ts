/**
 * `npm run bench -- cost`: what one pool costs on AWS per month with 1-minute ticks.
 *
 * Runs the evaluate function's handler (createEvaluateHandler with Powertools logger and EMF
 * metrics, as functions/evaluate.ts wires them) over N pools for a simulated hour of
 * 1-minute scheduled ticks, against DynamoDB on dynalite (own process), ECS and CloudWatch
 * mocked at the SDK. It measures, per pool and tick:
 *  - DynamoDB write and read units, computed from the marshalled items as DynamoDB does
 *    (item size = attribute names + values; 1 WCU per KB written, the larger of the old and
 *    new item; 1 RCU per 4 KB strongly consistent read, half for eventually consistent;
 *    Query/Scan round the page's total size up to 4 KB);
 *  - GetMetricData metrics requested (billed per metric), ECS calls (not billed);
 *  - Lambda duration (measured here: an estimate of Lambda's) x the memory set in infra;
 *  - log and EMF bytes written (CloudWatch Logs ingestion);
 * and prints USD per pool-month at the list prices below for 100 and 10,000 pools.
 *
 * Measured at `COST_POOLS` (default 100 and 1,000) for `COST_TICKS` ticks (default 31: two
 * history heartbeats); priced at `COST_PRICE_POOLS` (default 100 and 10,000) with the per-pool
 * figures of the largest measured count not above it (else the largest): every request count
 * here is linear in pools (one Scan, a BatchGetItem per 100, a GetMetricData per 500 metrics),
 * and dynalite at 10,000 pools takes minutes per tick on a 2-core machine. HISTORY_HEARTBEAT
 * sets the history heartbeat as in the evaluate function ("15m" by default, "off", "0").
 *
 * `COST_POOL_KIND=predictive`: every pool is examples/recommended.yaml's (square-root staffing
 * on the offered load, queued jobs at 2 per worker, the predictive floor, emergency) with its metrics read from
 * CloudWatch, its state seeded with 28 days of learnt forecast (a noisy load, computed once by
 * decide() and stored for every pool) before the measured ticks; run with COST_TICKS=61 so the
 * steady figures include an hour's slot closes and history write.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, type DescribeServicesCommandInput, ECSClient, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { createEvaluateHandler } from '../functions/lib/createEvaluateHandler';
import { powertoolsLogger } from '../functions/lib/powertoolsLogger';
import { CloudWatchMetricSource } from '../shared/adapters/cloudwatch';
import { DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../shared/adapters/dynamodb';
import { EcsScaleTarget } from '../shared/adapters/ecs';
import { createDecisionMetrics, recordDecision } from '../shared/adapters/emf/decisionMetrics';
import { NoneTarget, StaticMetricSource } from '../shared/adapters/memory';
import { parse as parseYaml } from 'yaml';
import { PoolSchema, type Policy } from '../shared/domain/policy';
import { initialState, type PoolState } from '../shared/domain/types';
import { decide } from '../shared/engine';
import { historyHeartbeatMs } from '../shared/runtime/historyPolicy';
import { prng } from './prng';
import { mapLimit } from '../shared/runtime/mapLimit';
import type { RuntimeDeps } from '../shared/runtime/tick';
import { createTables, uniqueTableNames } from '../test/support/dynalite';
import type { Bench } from './run';
import { startDynaliteProcess } from './tick.bench';

/** us-east-1 list prices, read from the AWS pricing pages on 2026-11-27 (on-demand DynamoDB since the Nov 2024 cut). */
export const PRICES = {
  dynamoWriteUnit: 0.625 / 1e6,
  dynamoReadUnit: 0.125 / 1e6,
  dynamoStorageGbMonth: 0.25,
  getMetricDataMetric: 0.01 / 1_000,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  logsIngestedGb: 0.5,
  /** Custom metrics per month: first 10,000 at $0.30, next 240,000 at $0.10. */
  customMetricTiers: [
    { upTo: 10_000, price: 0.3 },
    { upTo: 250_000, price: 0.1 },
    { upTo: 1_000_000, price: 0.05 },
    { upTo: Infinity, price: 0.02 },
  ],
} as const;

/** 730 hours: AWS's month. */
const TICKS_PER_MONTH = 730 * 60;
const T0 = Date.parse('2026-11-23T00:00:00Z');

/** The evaluate function's memory, as the stack sets it. */
function lambdaMemoryGb(): number {
  const source = readFileSync(new URL('../infra/PoolscaleFunction.ts', import.meta.url), 'utf8');
  const match = /memorySize:\s*(\d+)/.exec(source);
  if (!match) throw new Error('memorySize not found in infra/PoolscaleFunction.ts');
  return Number(match[1]) / 1024;
}

// ---------------------------------------------------------------------------------------------
// DynamoDB item sizes and capacity units, from the marshalled (AttributeValue) form.
// ---------------------------------------------------------------------------------------------

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/** Size of a number as DynamoDB counts it: 1 byte per two significant digits, plus 1. */
function numberSize(text: string): number {
  const digits = text.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(1, digits.length) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS) return value.SS.reduce((sum, s) => sum + utf8(s), 0);
  if (value.NS) return value.NS.reduce((sum, n) => sum + numberSize(n), 0);
  if (value.L) return 3 + value.L.reduce((sum, element) => sum + 1 + valueSize(element), 0);
  if (value.M) return 3 + Object.entries(value.M).reduce((sum, [name, element]) => sum + 1 + utf8(name) + valueSize(element), 0);
  return 0;
}

/** Bytes of one item: its attribute names and values. */
export function dynamoItemSize(item: Record<string, AttributeValue> | undefined): number {
  if (!item) return 0;
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + valueSize(value), 0);
}

const readUnits = (bytes: number, consistent: boolean) => Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);
const writeUnits = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

interface Usage {
  writeUnits: Record<string, number>;
  readUnits: Record<string, number>;
  writes: Record<string, number>;
  /** Item bytes written per table, for sizes and storage. */
  bytesWritten: Record<string, number>;
}

const emptyUsage = (): Usage => ({ writeUnits: {}, readUnits: {}, writes: {}, bytesWritten: {} });
const add = (record: Record<string, number>, key: string, value: number) => void (record[key] = (record[key] ?? 0) + value);

/**
 * Counts capacity units of every request the client sends, by table. A shadow of item sizes
 * gives the old size of an overwritten item (a PutItem is billed on the larger of the two).
 */
function meterDynamo(client: DynamoDBDocumentClient, tableKinds: Record<string, string>) {
  let usage = emptyUsage();
  const sizes = new Map<string, number>();
  const kind = (table: string | undefined) => tableKinds[table ?? ''] ?? table ?? '?';
  const keyOf = (table: string, item: Record<string, AttributeValue>) => `${table}|${JSON.stringify(item.poolId ?? item.hostId ?? '')}|${JSON.stringify(item.sk ?? '')}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, any>;
      // The document client runs its commands through the inner client: `PutItemCommand` etc.
      const command = String(context.commandName).replace(/ItemCommand$/, 'Command');
      let output: any;
      try {
        output = await next(args);
      } catch (error) {
        // A failed conditional write is billed as a write of the item.
        if (command === 'PutCommand' && (error as Error).name === 'ConditionalCheckFailedException') {
          add(usage.writeUnits, kind(input.TableName), writeUnits(dynamoItemSize(input.Item)));
        }
        throw error;
      }
      const result = output.output as Record<string, any>;
      switch (command) {
        case 'PutCommand': {
          const table = input.TableName as string;
          const size = dynamoItemSize(input.Item);
          const key = keyOf(table, input.Item);
          // A predictive pool's forecast history is an item of its own in the state table.
          const k = String(input.Item?.poolId?.S ?? '').endsWith('#forecast') ? 'forecast' : kind(table);
          add(usage.writeUnits, k, writeUnits(Math.max(size, sizes.get(key) ?? 0)));
          add(usage.writes, k, 1);
          add(usage.bytesWritten, k, size);
          sizes.set(key, size);
          break;
        }
        case 'UpdateCommand': {
          // ReturnValues ALL_NEW is asked for below, so the new item's size is known.
          const table = input.TableName as string;
          const size = dynamoItemSize(result.Attributes);
          const key = keyOf(table, { ...input.Key, ...result.Attributes });
          add(usage.writeUnits, kind(table), writeUnits(Math.max(size, sizes.get(key) ?? 0)));
          add(usage.writes, kind(table), 1);
          sizes.set(key, size);
          break;
        }
        case 'DeleteCommand':
          add(usage.writeUnits, kind(input.TableName), 1);
          break;
        case 'GetCommand':
          add(usage.readUnits, kind(input.TableName), readUnits(dynamoItemSize(result.Item), input.ConsistentRead === true));
          break;
        case 'BatchGetCommand':
          for (const [table, request] of Object.entries(input.RequestItems as Record<string, { ConsistentRead?: boolean }>)) {
            for (const item of (result.Responses?.[table] ?? []) as Record<string, AttributeValue>[]) {
              add(usage.readUnits, kind(table), readUnits(dynamoItemSize(item), request.ConsistentRead === true));
            }
          }
          break;
        case 'QueryCommand':
        case 'ScanCommand': {
          const bytes = ((result.Items ?? []) as Record<string, AttributeValue>[]).reduce((sum, item) => sum + dynamoItemSize(item), 0);
          add(usage.readUnits, kind(input.TableName), readUnits(bytes, input.ConsistentRead === true));
          break;
        }
      }
      return output;
    },
    // After the document client's marshalling: items are AttributeValues here.
    { step: 'build', name: 'costMeter' },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'UpdateItemCommand' || context.commandName === 'UpdateCommand') (args.input as Record<string, unknown>).ReturnValues ??= 'ALL_NEW';
      return next(args);
    },
    { step: 'initialize', name: 'costMeterUpdateSize', priority: 'high' },
  );
  return {
    take(): Usage {
      const taken = usage;
      usage = emptyUsage();
      return taken;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The pools: half read an SQS backlog from CloudWatch (target tracking), half their ECS
// service's CPU (sustained steps, so they keep a window of samples). Load is steady: every
// decision after the first is "no change", the state this bench is about.
// ---------------------------------------------------------------------------------------------

const pool = (i: number): Policy =>
  PoolSchema.parse(
    i % 2 === 0
      ? {
          id: `queue-${i}`,
          target: { kind: 'ecs', cluster: `cluster-${i % 10}`, service: `svc-${i}` },
          min: 1,
          max: 50,
          metrics: { backlog: { source: 'cloudwatch', namespace: 'AWS/SQS', metricName: 'ApproximateNumberOfMessagesVisible', dimensions: { QueueName: `jobs-${i}` } } },
          rules: [{ type: 'target', metric: 'backlog', perWorker: 10 }],
        }
      : {
          id: `cpu-${i}`,
          target: { kind: 'ecs', cluster: `cluster-${i % 10}`, service: `svc-${i}` },
          min: 1,
          max: 50,
          metrics: { cpu: { source: 'ecs', type: 'cpu' } },
          rules: [{ type: 'steps', metric: 'cpu', up: [{ above: 80, workers: 1 }], down: [{ below: 20, workers: 1 }], upFor: '3m', downFor: '10m' }],
        },
  );

const PREDICTIVE = process.env.COST_POOL_KIND === 'predictive';
/**
 * Steady load of a predictive pool: an offered load of 12.5 workers, which the recommended
 * square-root staffing (R + 2 sqrt(R) = 19.6) sizes at the 20 workers running, 12.5 jobs queued
 * (7 workers at 2 per worker) and utilization 0.625.
 */
const STEADY = { workers: 20, Utilization: 0.625, OfferedLoad: 12.5, QueueLength: 12.5 } as const;

/** examples/recommended.yaml's pool, metrics from CloudWatch (namespace Workers, dimension Pool). */
function predictivePool(i: number): Policy {
  // The YAML as written (a parsed policy's durations are milliseconds, which PoolSchema would read as seconds).
  const recommended = parseYaml(readFileSync(new URL('../examples/recommended.yaml', import.meta.url), 'utf8')).pools[0];
  const id = `predictive-${i}`;
  const metric = (metricName: string) => ({ source: 'cloudwatch', namespace: 'Workers', metricName, dimensions: { Pool: id }, period: '1m', lookback: '3m' });
  return PoolSchema.parse({
    id,
    target: { kind: 'ecs', cluster: `cluster-${i % 10}`, service: `psvc-${i}` },
    min: recommended.min,
    max: recommended.max,
    metrics: { utilization: metric('Utilization'), offered_load: metric('OfferedLoad'), queue_length: metric('QueueLength') },
    rules: recommended.rules,
    behaviour: recommended.behaviour,
  });
}

/** JSON bytes of the seeded state (engine's in-memory form, before any store splits it). */
let seededJson: { state: number; forecast: number } | undefined;

/** 28 days of one-minute evaluations of `policy` ending at T0 on a noisy daily load of 4-17 busy. */
function seededState(policy: Policy): PoolState {
  let state = initialState(policy.id);
  const from = T0 - 28 * 86_400_000;
  // Deterministic noise, the same on every run.
  const noise = prng(12);
  for (let i = 0; i < 28 * 1440; i += 1) {
    const at = from + i * 60_000;
    // A daily wave of 5-13 busy with +-30 % of pseudo-random noise, at most 17: a realistic
    // spread of slot peaks (the history item's deflated size depends on it), never needing more
    // than the steady 20 workers.
    const wave = 5 + 4 * (1 + Math.sin((i / 1440) * 2 * Math.PI));
    const busy = Math.min(17, Math.round(wave * (0.7 + 0.6 * noise())));
    const metrics = { utilization: { value: busy / STEADY.workers, at }, offered_load: { value: busy, at }, queue_length: { value: busy, at } };
    state = decide(policy, { at, metrics, target: { desired: STEADY.workers, ready: STEADY.workers, pending: 0, stable: true } }, state, at, 'schedule').state;
  }
  return state;
}

interface TickFigures {
  usage: Usage;
  getMetricDataMetrics: number;
  getMetricDataCalls: number;
  ecsCalls: number;
  lambdaMs: number;
  /** CPU time of the handler's process during the tick (dynalite runs in its own process). */
  cpuMs: number;
  logBytes: number;
  acted: number;
}

async function measure(count: number, ticks: number): Promise<{ first: TickFigures; steady: TickFigures }> {
  const dynalite = await startDynaliteProcess();
  const ecs = mockClient(ECSClient);
  const cloudwatch = mockClient(CloudWatchClient);
  const names = uniqueTableNames('cost');
  await createTables(dynalite.client, names);
  const doc = DynamoDBDocumentClient.from(dynalite.client, { marshallOptions: { removeUndefinedValues: true } });
  const meter = meterDynamo(doc, { [names.policies]: 'policies', [names.state]: 'state', [names.history]: 'history', [names.agents]: 'agents' });
  const policies = new DynamoPolicyStore(doc, names.policies);
  const pools = PREDICTIVE ? Array.from({ length: count }, (_, i) => predictivePool(i)) : Array.from({ length: count }, (_, i) => pool(i));
  await mapLimit(pools, 32, (policy) => policies.put(policy));
  if (PREDICTIVE) {
    const seeded = seededState(pools[0]!);
    seededJson = { state: Buffer.byteLength(JSON.stringify(seeded)), forecast: Buffer.byteLength(JSON.stringify(seeded.forecast ?? null)) };
    if (seededJson.forecast < 1_000) throw new Error(`the seeded state learnt no forecast (${seededJson.forecast} bytes)`);
    const seeding = new DynamoStateStore(doc, names.state);
    await mapLimit(pools, 16, (policy) => seeding.put({ ...seeded, poolId: policy.id, version: 1, lastDecision: undefined }, 0));
  }
  meter.take();

  ecs.on(DescribeServicesCommand).callsFake((input: DescribeServicesCommandInput) => ({
    services: (input.services ?? []).map((name) => ({
      serviceName: name,
      status: 'ACTIVE',
      desiredCount: name.startsWith('psvc-') ? STEADY.workers : 2,
      runningCount: name.startsWith('psvc-') ? STEADY.workers : 2,
      pendingCount: 0,
      deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED' }],
    })),
    failures: [],
  }));
  ecs.on(UpdateServiceCommand).resolves({});
  let now = T0;
  // Backlog 20 for 2 workers at 10 per worker, CPU 50 %: every pool holds at 2.
  cloudwatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => ({
      Id: query.Id,
      Timestamps: [new Date(now - 30_000)],
      Values: [query.MetricStat?.Metric?.Namespace === 'AWS/ECS' ? 50 : query.MetricStat?.Metric?.Namespace === 'Workers' ? STEADY[query.MetricStat.Metric.MetricName as 'OfferedLoad'] : 20],
      StatusCode: 'Complete',
    })),
  }));
  const byId = new Map(pools.map((policy) => [policy.id, policy]));
  const serviceName = 'poolscale-evaluate';
  const metrics = createDecisionMetrics(serviceName);
  const deps: RuntimeDeps = {
    policies,
    states: new DynamoStateStore(doc, names.state),
    log: new DynamoDecisionLog(doc, names.history),
    metrics: [
      new StaticMetricSource(),
      new CloudWatchMetricSource({
        resolveTarget: (id) => {
          const target = byId.get(id)?.target;
          return target?.kind === 'ecs' ? target : undefined;
        },
      }),
    ],
    targets: [new EcsScaleTarget(), new NoneTarget()],
    clock: { now: () => now },
    // HISTORY_HEARTBEAT as the evaluate function reads it (default 15m).
    ...(process.env.HISTORY_HEARTBEAT === undefined ? {} : { historyHeartbeatMs: historyHeartbeatMs(process.env.HISTORY_HEARTBEAT) }),
    logger: powertoolsLogger(new Logger({ serviceName, logLevel: 'INFO' })),
    onDecision: (decision, _policy, status) => {
      recordDecision(metrics, decision, status);
      metrics.publishStoredMetrics();
    },
  };
  const handler = createEvaluateHandler({
    runtime: async () => deps,
    logger: powertoolsLogger(new Logger({ serviceName, logLevel: 'INFO' })),
    metrics: { publishStoredMetrics: () => (metrics.hasStoredMetrics() ? metrics.publishStoredMetrics() : undefined) },
  });

  const figures: TickFigures[] = [];
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  try {
    for (let tick = 0; tick < ticks; tick++) {
      now = T0 + tick * 60_000;
      const before = {
        gmd: cloudwatch.commandCalls(GetMetricDataCommand),
        ecs: ecs.calls().length,
        updates: ecs.commandCalls(UpdateServiceCommand).length,
      };
      let logBytes = 0;
      const counting = (chunk: string | Uint8Array) => {
        logBytes += typeof chunk === 'string' ? utf8(chunk) : chunk.length;
        return true;
      };
      process.stdout.write = counting as typeof process.stdout.write;
      process.stderr.write = counting as typeof process.stderr.write;
      const started = performance.now();
      const cpuBefore = process.cpuUsage();
      let summary;
      try {
        summary = await handler({
          version: '0',
          // EventBridge event ids are UUIDs: the state keeps the last ones it handled.
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '123456789012',
          time: new Date(now).toISOString().replace(/\.\d+Z$/, 'Z'),
          region: 'us-east-1',
          resources: ['arn:aws:events:us-east-1:123456789012:rule/poolscale-schedule'],
          detail: {},
        });
      } finally {
        process.stdout.write = writeOut;
        process.stderr.write = writeErr;
      }
      const lambdaMs = performance.now() - started;
      const cpu = process.cpuUsage(cpuBefore);
      if (summary.errors.length > 0) throw new Error(`tick ${tick}: ${JSON.stringify(summary.errors.slice(0, 3))}`);
      const gmd = cloudwatch.commandCalls(GetMetricDataCommand).slice(before.gmd.length);
      figures.push({
        usage: meter.take(),
        getMetricDataMetrics: gmd.reduce((sum, call) => sum + (call.args[0].input.MetricDataQueries?.length ?? 0), 0),
        getMetricDataCalls: gmd.length,
        ecsCalls: ecs.calls().length - before.ecs,
        lambdaMs,
        cpuMs: (cpu.user + cpu.system) / 1000,
        logBytes,
        acted: ecs.commandCalls(UpdateServiceCommand).length - before.updates,
      });
    }
  } finally {
    ecs.restore();
    cloudwatch.restore();
    await dynalite.stop();
  }
  return { first: figures[0]!, steady: average(figures.slice(1)) };
}

function average(figures: TickFigures[]): TickFigures {
  const n = figures.length;
  const sum = (pick: (f: TickFigures) => number) => figures.reduce((total, f) => total + pick(f), 0) / n;
  const merge = (pick: (u: Usage) => Record<string, number>) => {
    const merged: Record<string, number> = {};
    for (const f of figures) for (const [key, value] of Object.entries(pick(f.usage))) add(merged, key, value / n);
    return merged;
  };
  return {
    usage: { writeUnits: merge((u) => u.writeUnits), readUnits: merge((u) => u.readUnits), writes: merge((u) => u.writes), bytesWritten: merge((u) => u.bytesWritten) },
    getMetricDataMetrics: sum((f) => f.getMetricDataMetrics),
    getMetricDataCalls: sum((f) => f.getMetricDataCalls),
    ecsCalls: sum((f) => f.ecsCalls),
    lambdaMs: sum((f) => f.lambdaMs),
    cpuMs: sum((f) => f.cpuMs),
    logBytes: sum((f) => f.logBytes),
    acted: sum((f) => f.acted),
  };
}

/** A tick's figures times `factor` (the same per-pool figures for `factor` times the pools). */
function scale(f: TickFigures, factor: number): TickFigures {
  const times = (record: Record<string, number>) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, value * factor]));
  return {
    usage: { writeUnits: times(f.usage.writeUnits), readUnits: times(f.usage.readUnits), writes: times(f.usage.writes), bytesWritten: times(f.usage.bytesWritten) },
    getMetricDataMetrics: f.getMetricDataMetrics * factor,
    getMetricDataCalls: f.getMetricDataCalls * factor,
    ecsCalls: f.ecsCalls * factor,
    lambdaMs: f.lambdaMs * factor,
    cpuMs: f.cpuMs * factor,
    logBytes: f.logBytes * factor,
    acted: f.acted * factor,
  };
}

const total = (record: Record<string, number>) => Object.values(record).reduce((sum, value) => sum + value, 0);

function customMetricsUsd(metrics: number): number {
  let usd = 0;
  let below = 0;
  for (const tier of PRICES.customMetricTiers) {
    const inTier = Math.max(0, Math.min(metrics, tier.upTo) - below);
    usd += inTier * tier.price;
    below = tier.upTo;
  }
  return usd;
}

/** USD per pool-month by item, from one tick's figures over `pools` pools. */
export function monthlyUsdPerPool(f: TickFigures, pools: number, memoryGb: number, historyTtlDays = 30) {
  const perPool = (value: number) => (value / pools) * TICKS_PER_MONTH;
  const historyBytesPerMonth = perPool(f.usage.bytesWritten.history ?? 0);
  const items = {
    dynamoWrites: perPool(total(f.usage.writeUnits)) * PRICES.dynamoWriteUnit,
    dynamoReads: perPool(total(f.usage.readUnits)) * PRICES.dynamoReadUnit,
    // History is kept historyTtlDays (TTL); state and policy items are small and constant.
    dynamoStorage: ((historyBytesPerMonth * (historyTtlDays / 30.4)) / 2 ** 30) * PRICES.dynamoStorageGbMonth,
    getMetricData: perPool(f.getMetricDataMetrics) * PRICES.getMetricDataMetric,
    // Billed duration is wall time: measured here against dynalite on a shared 2-core machine,
    // so an upper bound; `lambdaCpu` prices the handler's CPU time alone (a lower bound).
    lambda: perPool((f.lambdaMs / 1000) * memoryGb) * PRICES.lambdaArmGbSecond + (TICKS_PER_MONTH / pools) * PRICES.lambdaRequest,
    logs: (perPool(f.logBytes) / 2 ** 30) * PRICES.logsIngestedGb,
    // EMF: Desired, Ready, Decisions, ScaleActions per PoolId; MetricFailures by Source are shared.
    customMetrics: customMetricsUsd(4 * pools) / pools,
  };
  const lambdaCpu = perPool((f.cpuMs / 1000) * memoryGb) * PRICES.lambdaArmGbSecond + (TICKS_PER_MONTH / pools) * PRICES.lambdaRequest;
  return { ...items, total: Object.values(items).reduce((sum, value) => sum + value, 0), lambdaCpu };
}

const round = (value: number, digits = 2) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const usd = (value: number) => `$${value < 0.01 ? value.toFixed(4) : value.toFixed(3)}`;

const bench: Bench = {
  name: 'cost',
  description: 'AWS requests and USD per pool-month for 1-minute ticks (evaluate handler, dynalite, mocked ECS/CloudWatch)',
  async run(log) {
    const counts = (process.env.COST_POOLS ?? '100,1000').split(',').map(Number);
    const pricedAt = (process.env.COST_PRICE_POOLS ?? '100,10000').split(',').map(Number);
    const ticks = Number(process.env.COST_TICKS ?? 31);
    const memoryGb = lambdaMemoryGb();
    log(`Prices (us-east-1, list, as of 2026-11-27): DynamoDB on-demand $0.625/M write units, $0.125/M read units, $0.25/GB-month;`);
    log(`GetMetricData $0.01 per 1,000 metrics; Lambda arm64 $0.0000133334/GB-s + $0.20/M requests; Logs $0.50/GB ingested;`);
    log(`custom metrics $0.30 (first 10k) / $0.10 (next 240k) per metric-month. ECS API calls: free. Month = 730 h = ${TICKS_PER_MONTH.toLocaleString('en')} ticks.`);
    log(`Lambda memory ${memoryGb * 1024} MB (infra/PoolscaleFunction.ts); ${ticks} ticks per run, steady = ticks 2..${ticks}.`);
    log('');
    log('| pools | tick | WCU/pool (state, history) | RCU/pool | item bytes/pool written (state, history) | GetMetricData metrics/pool | ECS calls/pool | Lambda ms/tick (wall, CPU) | log bytes/pool | scale actions |');
    log('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|');
    const results: { count: number; steady: TickFigures }[] = [];
    for (const count of counts) {
      const { first, steady } = await measure(count, ticks);
      for (const [label, f] of [['first', first], ['steady', steady]] as const) {
        const u = f.usage;
        const per = (value: number | undefined) => (value ?? 0) / count;
        log(
          `| ${count.toLocaleString('en')} | ${label} | ${round(per(total(u.writeUnits)))} (${round(per(u.writeUnits.state))}, ${round(per(u.writeUnits.history))}${PREDICTIVE ? `, forecast ${round(per(u.writeUnits.forecast))}` : ''}) | ` +
            `${round(per(total(u.readUnits)))} | ${Math.round(per(u.bytesWritten.state) / Math.max(1e-9, per(u.writes.state)))}, ${Math.round(per(u.bytesWritten.history))}${PREDICTIVE ? `, forecast ${Math.round(per(u.bytesWritten.forecast) / Math.max(1e-9, per(u.writes.forecast)))} per write` : ''} | ${round(per(f.getMetricDataMetrics))} | ` +
            `${round(per(f.ecsCalls), 3)} | ${Math.round(f.lambdaMs)}, ${Math.round(f.cpuMs)} | ${Math.round(per(f.logBytes))} | ${round(f.acted, 1)} |`,
        );
      }
      results.push({ count, steady });
    }
    if (seededJson) log(`\nSeeded state of each predictive pool (28 days learnt): ${seededJson.state.toLocaleString('en')} bytes of JSON, ${seededJson.forecast.toLocaleString('en')} of them the forecast.`);
    log('');
    log('USD per pool-month at steady state (1-minute ticks):');
    log('');
    log('| pools | measured at | DynamoDB writes | DynamoDB reads | DynamoDB storage | GetMetricData | Lambda (wall; CPU only) | Logs | custom metrics (EMF) | total |');
    log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const pools of pricedAt) {
      const sorted = [...results].sort((a, b) => a.count - b.count);
      const basis = [...sorted].reverse().find((r) => r.count <= pools) ?? sorted.at(-1)!;
      // The basis's figures per pool, as if measured at `pools` (linear in pools).
      const m = monthlyUsdPerPool(scale(basis.steady, pools / basis.count), pools, memoryGb);
      log(
        `| ${pools.toLocaleString('en')} | ${basis.count.toLocaleString('en')} | ${usd(m.dynamoWrites)} | ${usd(m.dynamoReads)} | ${usd(m.dynamoStorage)} | ${usd(m.getMetricData)} | ` +
          `${usd(m.lambda)}; ${usd(m.lambdaCpu)} | ${usd(m.logs)} | ${usd(m.customMetrics)} | **${usd(m.total)}** |`,
      );
    }
  },
};

export default bench;
