import type { MetricSpec } from '../../domain/policy';
import type { MetricReading } from '../../domain/types';
import type { MetricRequest, MetricSource } from '../../ports/MetricSource';
import { COUNT_KEYS_SCRIPT } from './countKeysScript';
import type { RedisCommand, RedisCommandRunner, RedisReply } from './RedisCommandRunner';

type RedisSpec = Extract<MetricSpec, { source: 'redis' }>;

/** Counters for tests and benches. */
export interface RedisMetricStats {
  /** Pipelines sent: one per `read()` that had anything to ask. */
  roundTrips: number;
  /** Commands sent, after de-duplication. */
  commands: number;
  /** Requests answered (samples and failures). */
  requests: number;
}

/**
 * Reads `source: 'redis'` metrics for many pools in ONE pipeline per call:
 * `list_length` -> LLEN, `number` -> GET, `hash_field` -> HGET, `count_keys` -> one EVAL that
 * SCANs server-side. Pools asking the same thing share one command.
 *
 * Never throws: a command Redis refuses, a missing or non-numeric value, or a whole connection
 * failure becomes a `MetricFailure` naming the key, and the runtime decides what that means.
 *
 * @example
 * const source = new RedisMetricSource(ioredisRunner(process.env.REDIS_URL!));
 * const readings = await source.read([{ id: 'bots/busy', poolId: 'bots', name: 'busy',
 *   spec: { source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' } }], Date.now());
 */
export class RedisMetricSource implements MetricSource {
  readonly sources = ['redis'] as const;
  readonly stats: RedisMetricStats = { roundTrips: 0, commands: 0, requests: 0 };

  constructor(private readonly runner: RedisCommandRunner) {}

  async read(requests: readonly MetricRequest[], now: number): Promise<Map<string, MetricReading>> {
    const readings = new Map<string, MetricReading>();
    const commands: RedisCommand[] = [];
    const indexByCommand = new Map<string, number>();
    const planned: { request: MetricRequest; spec: RedisSpec; index: number }[] = [];

    for (const request of requests) {
      const spec = request.spec;
      if (spec.source !== 'redis') {
        readings.set(request.id, { error: `metric ${request.name}: source ${spec.source} is not served by Redis`, at: now });
        continue;
      }
      const command = commandFor(spec);
      const signature = JSON.stringify(command);
      let index = indexByCommand.get(signature);
      if (index === undefined) {
        index = commands.push(command) - 1;
        indexByCommand.set(signature, index);
      }
      planned.push({ request, spec, index });
    }
    this.stats.requests += requests.length;
    if (planned.length === 0) return readings;

    let replies: RedisReply[];
    try {
      this.stats.roundTrips += 1;
      this.stats.commands += commands.length;
      replies = await this.runner.pipeline(commands);
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      for (const { request, spec } of planned) {
        readings.set(request.id, { error: `${label(spec)}: ${cause}`, at: now });
      }
      return readings;
    }

    for (const { request, spec, index } of planned) {
      const reply = replies[index] ?? { error: 'no reply' };
      readings.set(request.id, toReading(spec, reply, now));
    }
    return readings;
  }
}

/** The command that answers one spec; `equals` is sorted so that equal sets share a command. */
export function commandFor(spec: RedisSpec): RedisCommand {
  switch (spec.type) {
    case 'list_length':
      return ['LLEN', spec.key];
    case 'number':
      return ['GET', spec.key];
    case 'hash_field':
      return ['HGET', spec.key, spec.field];
    case 'count_keys': {
      const wanted = spec.equals === undefined ? [] : [...new Set([spec.equals].flat())].sort();
      return ['EVAL', COUNT_KEYS_SCRIPT, 0, spec.pattern, spec.field ?? '', ...wanted];
    }
  }
}

/** How a spec is named in failure messages: the command and its key. */
function label(spec: RedisSpec): string {
  switch (spec.type) {
    case 'list_length':
      return `LLEN ${spec.key}`;
    case 'number':
      return `GET ${spec.key}`;
    case 'hash_field':
      return `HGET ${spec.key} ${spec.field}`;
    case 'count_keys':
      return `count_keys ${spec.pattern}${spec.field ? ` (field ${spec.field})` : ''}`;
  }
}

function toReading(spec: RedisSpec, reply: RedisReply, now: number): MetricReading {
  if (reply.error !== undefined) return { error: `${label(spec)}: ${reply.error}`, at: now };
  const { result } = reply;
  switch (spec.type) {
    case 'list_length':
    case 'count_keys': {
      // Integer replies: a number over TCP and REST alike; tolerate a numeric string.
      const value = typeof result === 'number' ? result : Number(result);
      if (!Number.isFinite(value)) return { error: `${label(spec)}: unexpected reply ${JSON.stringify(result)}`, at: now };
      return { value, at: now };
    }
    case 'number':
    case 'hash_field': {
      if (result === null || result === undefined) {
        const what = spec.type === 'number' ? `key ${spec.key} does not exist` : `hash ${spec.key} has no field ${spec.field}`;
        return { error: `${label(spec)}: ${what}`, at: now };
      }
      const value = parseNumber(result);
      if (value === undefined) {
        return { error: `${label(spec)}: value ${JSON.stringify(result)} is not a number`, at: now };
      }
      return { value, at: now };
    }
  }
}

/** Redis stores numbers as strings; accept what `INCRBYFLOAT`/`SET n` write, nothing else. */
function parseNumber(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  const value = Number(raw.trim());
  return Number.isFinite(value) ? value : undefined;
}
