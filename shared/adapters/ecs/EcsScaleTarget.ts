import {
  DescribeServicesCommand,
  ListTasksCommand,
  UpdateServiceCommand,
  UpdateTaskProtectionCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import { ScaleTargetError } from '../../domain/errors';
import type { EcsTarget, Policy } from '../../domain/policy';
import type { TargetStatus } from '../../domain/types';
import type { ScaleRequest, ScaleTarget } from '../../ports/ScaleTarget';
import { createEcsClientFactory, type EcsClientFactory } from './ecsClient';
import { toScaleTargetError } from './ecsErrors';

/** DescribeServices and UpdateTaskProtection take at most 10 services / tasks per call. */
const ECS_BATCH_LIMIT = 10;

export interface EcsScaleTargetOptions {
  /**
   * ECS clients per region. Retries are the SDK's alone (see createEcsClientFactory: adaptive
   * mode, 3 attempts); this class never retries on top of them.
   */
  clients?: EcsClientFactory;
  /**
   * Task ARNs or ids of the pool's tasks that are busy now. Used for pools with
   * `target.protectBusyTasks`: before a scale-in they get ECS task scale-in protection and
   * the other tasks lose theirs, so ECS stops idle tasks first.
   */
  busyTasks?: (pool: Policy) => Promise<string[]>;
  /** How long a busy task stays protected if nobody renews it (default 15 min). */
  protectionMinutes?: number;
  /** DescribeServices calls in flight at once in `describeMany` (default 4). */
  concurrency?: number;
}

const taskId = (arnOrId: string): string => arnOrId.slice(arnOrId.lastIndexOf('/') + 1);

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
};

/**
 * Nomad-style target for ECS services: `status()` from DescribeServices, `scale()` through
 * UpdateService desiredCount. A service in the middle of a deployment reports `stable: false`
 * so the engine does not scale it in.
 *
 * @example
 * const target = new EcsScaleTarget({ busyTasks: async (pool) => busyTaskArnsFromRedis(pool) });
 * await target.scale(policy, { desired: 4, reason: 'buffer below min free' });
 */
export class EcsScaleTarget implements ScaleTarget {
  readonly kinds = ['ecs'] as const;
  private readonly clients: EcsClientFactory;
  private readonly concurrency: number;

  constructor(private readonly options: EcsScaleTargetOptions = {}) {
    this.clients = options.clients ?? createEcsClientFactory();
    this.concurrency = Math.max(1, options.concurrency ?? 4);
  }

  async status(pool: Policy): Promise<TargetStatus> {
    const result = (await this.describeMany([pool])).get(pool.id);
    if (result instanceof Error) throw result;
    if (!result) throw new ScaleTargetError(`ECS service of pool "${pool.id}" was not described`, false);
    return result;
  }

  statusMany(pools: readonly Policy[]): Promise<Map<string, TargetStatus | Error>> {
    return this.describeMany(pools);
  }

  /**
   * Status of many pools with one DescribeServices per region, cluster and 10 services.
   * Per-pool failures are ScaleTargetError values in the map, never thrown.
   */
  async describeMany(pools: readonly Policy[]): Promise<Map<string, TargetStatus | Error>> {
    const results = new Map<string, TargetStatus | Error>();
    const groups = new Map<string, { region?: string; cluster: string; pools: { pool: Policy; target: EcsTarget }[] }>();
    for (const pool of pools) {
      if (pool.target.kind !== 'ecs') {
        results.set(pool.id, new ScaleTargetError(`Pool "${pool.id}" has no ecs target (kind ${pool.target.kind})`, false));
        continue;
      }
      const { region, cluster } = pool.target;
      const key = `${region ?? ''}\u0000${cluster}`;
      let group = groups.get(key);
      if (!group) {
        group = { region, cluster, pools: [] };
        groups.set(key, group);
      }
      group.pools.push({ pool, target: pool.target });
    }
    const calls = [...groups.values()].flatMap((group) =>
      chunks(group.pools, ECS_BATCH_LIMIT).map((chunk) => ({ ...group, pools: chunk })),
    );
    // A few calls at once: hundreds of pools stay fast without tripping the describe rate limit.
    let next = 0;
    const worker = async () => {
      while (next < calls.length) {
        const call = calls[next++]!;
        const services = [...new Set(call.pools.map(({ target }) => target.service))];
        try {
          const client = this.clients(call.region);
          const response = await client.send(new DescribeServicesCommand({ cluster: call.cluster, services }));
          for (const { pool, target } of call.pools) {
            results.set(pool.id, this.toStatus(pool, target, response.services ?? [], response.failures ?? []));
          }
        } catch (error) {
          const failure = toScaleTargetError('DescribeServices', `cluster "${call.cluster}"`, error);
          for (const { pool } of call.pools) results.set(pool.id, failure);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, calls.length) }, worker));
    return results;
  }

  async scale(pool: Policy, request: ScaleRequest): Promise<void> {
    const target = this.ecsTarget(pool);
    const client = this.clients(target.region);
    if (!Number.isInteger(request.desired) || request.desired < 0) {
      throw new ScaleTargetError(`Expected a desired count of 0 or more (got ${request.desired})`, false);
    }
    if (target.protectBusyTasks) {
      const current = await this.status(pool);
      if (request.desired < current.desired) await this.protectBeforeScaleIn(pool, target);
    }
    try {
      await client.send(
        new UpdateServiceCommand({ cluster: target.cluster, service: target.service, desiredCount: request.desired }),
      );
    } catch (error) {
      throw toScaleTargetError('UpdateService', `service "${target.service}" of pool "${pool.id}"`, error);
    }
  }

  /** Sets task scale-in protection on `taskArns` for `expiresInMinutes` (10 tasks per call). */
  async protectTasks(cluster: string, taskArns: readonly string[], expiresInMinutes: number, region?: string): Promise<void> {
    await this.updateProtection(cluster, taskArns, true, expiresInMinutes, region);
  }

  /** Removes task scale-in protection from `taskArns`. */
  async unprotectTasks(cluster: string, taskArns: readonly string[], region?: string): Promise<void> {
    await this.updateProtection(cluster, taskArns, false, undefined, region);
  }

  /**
   * Busy tasks get protection and idle ones lose it, so ECS picks idle tasks to stop. Failing
   * to protect a busy task stops the scale-in: killing in-flight work is worse than waiting.
   */
  private async protectBeforeScaleIn(pool: Policy, target: EcsTarget): Promise<void> {
    if (!this.options.busyTasks) {
      throw new ScaleTargetError(
        `Pool "${pool.id}" sets target.protectBusyTasks but nothing here can tell its busy tasks: scale-in refused`,
        false,
      );
    }
    let busyTasks: string[];
    try {
      busyTasks = await this.options.busyTasks(pool);
    } catch (error) {
      if (error instanceof ScaleTargetError) throw error;
      const detail = error instanceof Error ? error.message : String(error);
      throw new ScaleTargetError(`Busy tasks of pool "${pool.id}" could not be read, scale-in refused: ${detail}`, true, { cause: error });
    }
    const busy = new Set(busyTasks.map(taskId));
    const running = await this.listRunningTasks(target);
    const protect = running.filter((arn) => busy.has(taskId(arn)));
    const unprotect = running.filter((arn) => !busy.has(taskId(arn)));
    await this.protectTasks(target.cluster, protect, this.options.protectionMinutes ?? 15, target.region);
    if (unprotect.length > 0) await this.unprotectTasks(target.cluster, unprotect, target.region);
  }

  private async listRunningTasks(target: EcsTarget): Promise<string[]> {
    const client = this.clients(target.region);
    const arns: string[] = [];
    let nextToken: string | undefined;
    try {
      do {
        const page = await client.send(
          new ListTasksCommand({
            cluster: target.cluster,
            serviceName: target.service,
            desiredStatus: 'RUNNING',
            ...(nextToken ? { nextToken } : {}),
          }),
        );
        arns.push(...(page.taskArns ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
    } catch (error) {
      throw toScaleTargetError('ListTasks', `service "${target.service}"`, error);
    }
    return arns;
  }

  private async updateProtection(
    cluster: string,
    tasks: readonly string[],
    protectionEnabled: boolean,
    expiresInMinutes: number | undefined,
    region: string | undefined,
  ): Promise<void> {
    const client = this.clients(region);
    for (const chunk of chunks(tasks, ECS_BATCH_LIMIT)) {
      let response;
      try {
        response = await client.send(
          new UpdateTaskProtectionCommand({
            cluster,
            tasks: chunk,
            protectionEnabled,
            ...(protectionEnabled && expiresInMinutes !== undefined ? { expiresInMinutes } : {}),
          }),
        );
      } catch (error) {
        throw toScaleTargetError('UpdateTaskProtection', `cluster "${cluster}"`, error);
      }
      const failures = response.failures ?? [];
      if (failures.length > 0) {
        const detail = failures.map((failure) => `${failure.arn ?? '?'}: ${failure.reason ?? 'unknown'}`).join('; ');
        throw new ScaleTargetError(
          `ECS UpdateTaskProtection (${protectionEnabled ? 'protect' : 'unprotect'}) failed for ${failures.length} task(s): ${detail}`,
          false,
        );
      }
    }
  }

  private toStatus(
    pool: Policy,
    target: EcsTarget,
    services: Service[],
    failures: { arn?: string; reason?: string; detail?: string }[],
  ): TargetStatus | ScaleTargetError {
    const matches = (name: string | undefined) =>
      name !== undefined && (name === target.service || name.endsWith(`/${target.service}`));
    const service = services.find((candidate) => matches(candidate.serviceName) || matches(candidate.serviceArn));
    const subject = `ECS service "${target.service}" in cluster "${target.cluster}" (pool "${pool.id}")`;
    if (!service) {
      const failure = failures.find((candidate) => matches(candidate.arn));
      return new ScaleTargetError(`${subject} not found: ${failure?.reason ?? 'not in the DescribeServices response'}`, false);
    }
    if (service.status !== 'ACTIVE') {
      return new ScaleTargetError(`${subject} is ${service.status ?? 'in an unknown state'}`, false);
    }
    const deployments = service.deployments ?? [];
    const primary = deployments.find((deployment) => deployment.status === 'PRIMARY');
    const status: TargetStatus = {
      desired: service.desiredCount ?? 0,
      ready: service.runningCount ?? 0,
      pending: service.pendingCount ?? 0,
      stable: true,
    };
    // Nomad's rule: a target that is changing on its own is not touched.
    if (deployments.length > 1) {
      return { ...status, stable: false, note: `deployment in progress (${deployments.length} deployments active)` };
    }
    if (primary?.rolloutState === 'IN_PROGRESS') {
      return { ...status, stable: false, note: `deployment in progress (primary rollout ${primary.rolloutState})` };
    }
    return status;
  }

  private ecsTarget(pool: Policy): EcsTarget {
    if (pool.target.kind !== 'ecs') {
      throw new ScaleTargetError(`Pool "${pool.id}" has no ecs target (kind ${pool.target.kind})`, false);
    }
    return pool.target;
  }
}
