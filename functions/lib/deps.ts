/**
 * THE composition root of the Lambda functions: real stores, sources and targets from the
 * environment, with every adapter option the policy model offers wired (`source: ecs` metrics
 * resolve the pool's service, `protectBusyTasks` reads busy tasks from Redis).
 *
 * Every AWS client is built without an endpoint so the SDK honours AWS_ENDPOINT_URL /
 * AWS_ENDPOINT_URL_<SERVICE> (dynalite, LocalStack, the benches). Adapters that only some
 * deployments use (ECS, CloudWatch, Secrets Manager, SSM, each Redis driver) are imported on
 * first use, so a function loads only what its pools need.
 */
import { z } from 'zod';
import {
  createDocumentClient,
  DynamoAgentStore,
  DynamoDecisionLog,
  DynamoPolicyStore,
  DynamoStateStore,
} from '../../shared/adapters/dynamodb';
import { ecsTargetResolver } from '../../shared/adapters/cloudwatch/ecsTargetResolver';
import { HostMetricSource } from '../../shared/adapters/host/HostMetricSource';
import { HostScaleTarget } from '../../shared/adapters/host/HostScaleTarget';
import { NoneTarget, StaticMetricSource } from '../../shared/adapters/memory';
import { redisBusyTasks } from '../../shared/adapters/redis/busyTasks';
import { redisConfigFromEnv, redisRunnerFromConfig, type RedisConnectionConfig } from '../../shared/adapters/redis/fromEnv';
import { RedisMetricSource } from '../../shared/adapters/redis/RedisMetricSource';
import { PoolscaleError } from '../../shared/domain/errors';
import type { Decision, TargetStatus } from '../../shared/domain/types';
import type { EcsTarget, Policy } from '../../shared/domain/policy';
import { systemClock } from '../../shared/ports/Clock';
import type { AgentStore } from '../../shared/ports/AgentStore';
import type { MetricSource } from '../../shared/ports/MetricSource';
import type { PolicyStore } from '../../shared/ports/PolicyStore';
import type { RelayDeps } from '../../shared/relay';
import { historyHeartbeatMs } from '../../shared/runtime/historyPolicy';
import type { RuntimeDeps } from '../../shared/runtime/tick';
import { createSecretBox, keyFromSecretValue, SECRET_KEY_SECRET_ENV, secretBoxFromEnv, type SecretBox } from '../../shared/relay/secretBox';
import type { FunctionLogger } from './FunctionLogger';
import { lazyMetricSource, lazyRedisRunner, lazyScaleTarget } from './lazy';

export type FunctionEnv = Record<string, string | undefined>;

export interface FunctionDeps {
  runtime: RuntimeDeps;
  agents: AgentStore;
  relay: RelayDeps;
}

export interface BuildOptions {
  logger: FunctionLogger;
  /** Records each decision as poolscale's own metrics (EMF), flushed per invocation. */
  onDecision?: (decision: Decision, policy: Policy, status?: TargetStatus) => void;
  /** Fetches a secret string; injected in tests (default: Secrets Manager). */
  fetchSecret?: (arn: string) => Promise<string>;
  /** Fetches a SecureString parameter; injected in tests (default: SSM Parameter Store). */
  fetchParameter?: (name: string) => Promise<string>;
  /** Further metric sources (tests, benches); CloudWatch and ECS metrics are built here. */
  extraMetricSources?: MetricSource[];
}

/** A deployment problem (a missing table name, an unreadable Redis secret): fix the stack, not the input. */
export class FunctionConfigError extends PoolscaleError {}

/** The JSON secret behind REDIS_SECRET_ARN: `{"url": "redis://..."}` or `{"restUrl": "...", "token": "..."}`. */
const RedisSecretSchema = z.union([
  z.object({ url: z.string().min(1) }),
  z.object({ restUrl: z.string().min(1), token: z.string().min(1) }),
]);

function required(env: FunctionEnv, name: string): string {
  const value = env[name];
  if (!value) throw new FunctionConfigError(`Environment variable ${name} is not set`);
  return value;
}

async function secretsManagerFetch(arn: string): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const output = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (output.SecretString === undefined) throw new FunctionConfigError(`Secret ${arn} has no string value`);
    return output.SecretString;
  } finally {
    client.destroy();
  }
}

async function ssmFetch(name: string): Promise<string> {
  const { GetParameterCommand, SSMClient } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  try {
    const output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    if (output.Parameter?.Value === undefined) throw new FunctionConfigError(`Parameter ${name} has no value`);
    return output.Parameter.Value;
  } finally {
    client.destroy();
  }
}

/** A stored Redis location: a plain `redis://` URL, or the JSON forms of RedisSecretSchema. */
function parseStoredRedis(text: string, where: string): RedisConnectionConfig {
  const trimmed = text.trim();
  if (/^rediss?:\/\//.test(trimmed)) return { url: trimmed };
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    value = undefined;
  }
  const parsed = RedisSecretSchema.safeParse(value);
  if (!parsed.success) {
    throw new FunctionConfigError(`${where} must hold a redis:// URL or JSON {"url": "redis://..."} or {"restUrl": "https://...", "token": "..."}`);
  }
  return parsed.data;
}

/**
 * Where Redis is: REDIS_URL, or UPSTASH_REDIS_REST_URL + TOKEN, or the value behind
 * REDIS_SECRET_ARN (Secrets Manager) or REDIS_SSM_PARAMETER (SSM SecureString). buildDeps asks
 * the first time a pool reads Redis, and again only after a failure (lazyRedisRunner).
 * Undefined: no Redis.
 */
export async function redisConfig(
  env: FunctionEnv,
  fetchSecret = secretsManagerFetch,
  fetchParameter = ssmFetch,
): Promise<RedisConnectionConfig | undefined> {
  const direct = redisConfigFromEnv(env);
  if (direct) return direct;
  const arn = env.REDIS_SECRET_ARN;
  const parameter = env.REDIS_SSM_PARAMETER;
  if (!arn && !parameter) return undefined;
  const where = arn ? `Secret ${arn}` : `Parameter ${parameter}`;
  let text: string;
  try {
    text = arn ? await fetchSecret(arn) : await fetchParameter(parameter!);
  } catch (error) {
    throw new FunctionConfigError(`Could not read the Redis ${arn ? 'secret' : 'parameter'} ${arn ?? parameter}`, { cause: error });
  }
  return parseStoredRedis(text, where);
}

/** Whether a Redis is configured at all (without reading a secret): REDIS_URL, Upstash, or a stored location. */
function redisConfigured(env: FunctionEnv): boolean {
  return asConfigError(() => redisConfigFromEnv(env)) !== undefined || Boolean(env.REDIS_SECRET_ARN) || Boolean(env.REDIS_SSM_PARAMETER);
}

/**
 * The box sealing agents' secrets at rest: AGENT_SECRET_KEY, or the key in the Secrets Manager
 * secret named by AGENT_SECRET_KEY_SECRET_ARN (the stack generates one), read once per container.
 * Undefined: secrets are stored as given.
 */
export async function agentSecretBox(env: FunctionEnv, fetchSecret = secretsManagerFetch): Promise<SecretBox | undefined> {
  const direct = asConfigError(() => secretBoxFromEnv(env));
  const arn = env[SECRET_KEY_SECRET_ENV];
  if (direct || !arn) return direct;
  let text: string;
  try {
    text = await fetchSecret(arn);
  } catch (error) {
    throw new FunctionConfigError(`Could not read the agent secret key ${arn} (${SECRET_KEY_SECRET_ENV})`, { cause: error });
  }
  return asConfigError(() => createSecretBox(keyFromSecretValue(text, `Secret ${arn}`)));
}

/** `read()`, its error (a bad setting of the deployment) rethrown as a FunctionConfigError with the same message. */
function asConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new FunctionConfigError(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * The policy store, remembering the policies of its last `list()`. Every tick starts with one,
 * so the ECS service behind a pool's `source: ecs` metric is known without another read. A
 * proxy rather than a class, so every other method of the port passes through unchanged.
 */
function rememberListed(store: PolicyStore): { policies: PolicyStore; ecsTarget: (poolId: string) => Promise<EcsTarget | undefined> } {
  let listed = new Map<string, Policy>();
  const list = async (): Promise<Policy[]> => {
    const all = await store.list();
    listed = new Map(all.map((policy) => [policy.id, policy]));
    return all;
  };
  const policies = new Proxy(store, {
    get(target, property) {
      if (property === 'list') return list;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  const ecsTarget = ecsTargetResolver({ get: async (poolId) => listed.get(poolId) ?? (await store.get(poolId)) });
  return { policies, ecsTarget };
}

/** Builds the stores, metric sources and targets every function uses. */
export async function buildDeps(env: FunctionEnv, options: BuildOptions): Promise<FunctionDeps> {
  const client = createDocumentClient();
  const ttlDays = env.HISTORY_TTL_DAYS ? Number(env.HISTORY_TTL_DAYS) : undefined;
  const { policies, ecsTarget } = rememberListed(new DynamoPolicyStore(client, required(env, 'POLICIES_TABLE')));
  const states = new DynamoStateStore(client, required(env, 'STATE_TABLE'));
  const log = new DynamoDecisionLog(client, required(env, 'HISTORY_TABLE'), ttlDays === undefined ? {} : { ttlDays });
  const secretBox = await agentSecretBox(env, options.fetchSecret);
  const agents = new DynamoAgentStore(client, required(env, 'AGENTS_TABLE'), secretBox ? { secretBox } : {});

  // Unset: the runtime's default (15 minutes) between records of routine "no change" decisions.
  const heartbeat = asConfigError(() => historyHeartbeatMs(env.HISTORY_HEARTBEAT));

  // Redis is found when first needed, not here: a secret not filled in yet, or unreadable for a
  // while, fails the Redis reads of that tick (the pools that use Redis are stale, with its
  // message) and is read again on the next, instead of failing every request of the function.
  const runner = redisConfigured(env) ? lazyRedisRunner(async () => redisRunnerFromConfig((await redisConfig(env, options.fetchSecret, options.fetchParameter))!)) : undefined;
  const cloudWatch = lazyMetricSource(['cloudwatch', 'ecs'], async () => {
    const { CloudWatchMetricSource } = await import('../../shared/adapters/cloudwatch');
    return new CloudWatchMetricSource({ resolveTarget: ecsTarget });
  });
  const ecs = lazyScaleTarget(['ecs'], async () => {
    const { EcsScaleTarget } = await import('../../shared/adapters/ecs');
    return new EcsScaleTarget({ busyTasks: redisBusyTasks(runner) });
  });
  const metrics: MetricSource[] = [
    new StaticMetricSource(),
    new HostMetricSource(agents, policies),
    ...(runner ? [new RedisMetricSource(runner)] : []),
    ...(options.extraMetricSources ?? []),
    cloudWatch,
  ];
  const runtime: RuntimeDeps = {
    policies,
    states,
    log,
    metrics,
    targets: [ecs, new HostScaleTarget(agents), new NoneTarget()],
    clock: systemClock,
    logger: options.logger,
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
    ...(heartbeat === undefined ? {} : { historyHeartbeatMs: heartbeat }),
  };
  const relay: RelayDeps = {
    agents,
    policies,
    states,
    log,
    clock: systemClock,
    // The relay adds the host source and target itself; it gets the others for mixed pools.
    metrics: metrics.filter((source) => !(source instanceof HostMetricSource)),
    targets: runtime.targets.filter((target) => !(target instanceof HostScaleTarget)),
    logger: options.logger,
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
  };
  return { runtime, agents, relay };
}
