import { errorClassOf, errorClassOfMessage, safeErrorMessage } from '../../domain/metricErrors';
import type { MetricSpec } from '../../domain/policy';
import type { MetricReading } from '../../domain/types';
import type { MetricRequest, MetricSource } from '../../ports/MetricSource';
import { COUNT_KEYS_BATCH_SCRIPT, COUNT_KEYS_SCRIPT } from './countKeysScript';
import { globToLuaPattern, literalPrefix } from './globToLuaPattern';
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
 * `list_length` -> LLEN, `number` -> GET, `hash_field` -> HGET, and every `count_keys` together
 * -> one EVAL that SCANs the keyspace once server-side. Pools asking the same thing share one
 * command.
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
    const batch = new CountKeysBatch();
    // `item` set: the answer is that element of the shared count_keys EVAL's array reply.
    const planned: { request: MetricRequest; spec: RedisSpec; index: number; item?: number }[] = [];
    const batched: { request: MetricRequest; spec: RedisSpec; item: number }[] = [];

    for (const request of requests) {
      const spec = request.spec;
      if (spec.source !== 'redis') {
        readings.set(request.id, { error: `metric ${request.name}: source ${spec.source} is not served by Redis`, at: now, source: spec.source, errorClass: 'WrongSource' });
        continue;
      }
      const item = spec.type === 'count_keys' ? batch.add(spec) : undefined;
      if (item !== undefined) {
        batched.push({ request, spec, item });
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
    if (batched.length > 0) {
      const index = commands.push(batch.command()) - 1;
      for (const entry of batched) planned.push({ ...entry, index });
    }
    this.stats.requests += requests.length;
    if (planned.length === 0) return readings;

    let replies: RedisReply[];
    try {
      this.stats.roundTrips += 1;
      this.stats.commands += commands.length;
      replies = await this.runner.pipeline(commands);
    } catch (error) {
      const cause = safeErrorMessage(error);
      const errorClass = errorClassOf(error);
      for (const { request, spec } of planned) {
        readings.set(request.id, { error: `${label(spec)}: ${cause}`, at: now, source: 'redis', errorClass });
      }
      return readings;
    }

    for (const { request, spec, index, item } of planned) {
      let reply = replies[index] ?? { error: 'no reply' };
      if (item !== undefined && reply.error === undefined) {
        if (!Array.isArray(reply.result)) {
          readings.set(request.id, failure(spec, `unexpected reply ${JSON.stringify(reply.result)}`, 'UnexpectedReply', now));
          continue;
        }
        reply = { result: reply.result[item] };
      }
      readings.set(request.id, toReading(spec, reply, now));
    }
    return readings;
  }
}

/**
 * Collects the `count_keys` questions whose pattern Lua can test (no `[...]`) into ONE EVAL
 * that scans the keyspace once; identical questions share one slot.
 */
class CountKeysBatch {
  private readonly questions: { glob: string; pattern: string; field: string; wanted: string[] }[] = [];
  private readonly slotBySignature = new Map<string, number>();

  /** The slot of this question in the reply, or undefined when it needs its own EVAL. */
  add(spec: Extract<RedisSpec, { type: 'count_keys' }>): number | undefined {
    const pattern = globToLuaPattern(spec.pattern);
    if (pattern === undefined) return undefined;
    const question = { glob: spec.pattern, pattern, field: spec.field ?? '', wanted: wantedValues(spec) };
    const signature = JSON.stringify([question.glob, question.field, question.wanted]);
    let slot = this.slotBySignature.get(signature);
    if (slot === undefined) {
      slot = this.questions.push(question) - 1;
      this.slotBySignature.set(signature, slot);
    }
    return slot;
  }

  command(): RedisCommand {
    // With one question Redis's own MATCH does all the filtering; with several, their common
    // literal prefix narrows the SCAN before Lua looks at a key.
    const only = this.questions.length === 1 ? this.questions[0] : undefined;
    const match = only ? only.glob : `${commonPrefix(this.questions.map((q) => literalPrefix(q.glob)))}*`;
    return [
      'EVAL',
      COUNT_KEYS_BATCH_SCRIPT,
      0,
      match,
      this.questions.length,
      ...this.questions.flatMap((q) => [q.pattern, q.field, q.wanted.length, ...q.wanted]),
    ];
  }
}

function commonPrefix(values: string[]): string {
  let prefix = values[0] ?? '';
  for (const value of values) {
    while (!value.startsWith(prefix)) prefix = prefix.slice(0, -1);
  }
  return prefix;
}

/** Sorted and unique, so that equal sets ask one question. */
function wantedValues(spec: Extract<RedisSpec, { type: 'count_keys' }>): string[] {
  return spec.equals === undefined ? [] : [...new Set([spec.equals].flat())].sort();
}

/**
 * The command that answers one spec on its own. `count_keys` patterns with `[...]` use it (one
 * SCAN each); the others are batched by `read()`.
 */
export function commandFor(spec: RedisSpec): RedisCommand {
  switch (spec.type) {
    case 'list_length':
      return ['LLEN', spec.key];
    case 'number':
      return ['GET', spec.key];
    case 'hash_field':
      return ['HGET', spec.key, spec.field];
    case 'count_keys':
      return ['EVAL', COUNT_KEYS_SCRIPT, 0, spec.pattern, spec.field ?? '', ...wantedValues(spec)];
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

const failure = (spec: RedisSpec, message: string, errorClass: string, now: number): MetricReading => ({
  error: `${label(spec)}: ${message}`,
  at: now,
  source: 'redis',
  errorClass,
});

function toReading(spec: RedisSpec, reply: RedisReply, now: number): MetricReading {
  // A Redis error reply starts with its class: `WRONGTYPE ...`, `NOSCRIPT ...`, `ERR ...`.
  if (reply.error !== undefined) return failure(spec, reply.error, errorClassOfMessage(reply.error), now);
  const { result } = reply;
  switch (spec.type) {
    case 'list_length':
    case 'count_keys': {
      // Integer replies: a number over TCP and REST alike; tolerate a numeric string.
      const value = typeof result === 'number' ? result : Number(result);
      if (!Number.isFinite(value)) return failure(spec, `unexpected reply ${JSON.stringify(result)}`, 'UnexpectedReply', now);
      return { value, at: now };
    }
    case 'number':
    case 'hash_field': {
      if (result === null || result === undefined) {
        const what = spec.type === 'number' ? `key ${spec.key} does not exist` : `hash ${spec.key} has no field ${spec.field}`;
        return failure(spec, what, 'NoKey', now);
      }
      const value = parseNumber(result);
      if (value === undefined) {
        return failure(spec, `value ${JSON.stringify(result)} is not a number`, 'NotANumber', now);
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
