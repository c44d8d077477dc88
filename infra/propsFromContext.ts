import { RemovalPolicy } from 'aws-cdk-lib';
import type { Node } from 'constructs';
import type { EcsServiceRef } from './PoolscaleFunction';
import type { RedisDriver } from './bundling/bundleFunction';
import type { PoolscaleProps, RedisConnection } from './Poolscale';

/**
 * Reads the `-c key=value` context of `cdk synth/deploy` into Poolscale props. Every value is
 * optional so that a bare `npx cdk synth` works offline with no configuration.
 *
 * - ecsServices=cluster/service,cluster/other,eu-west-1:cluster/service (another region)
 * - redisSecretArn=arn:aws:secretsmanager:... | redisSsmParameter=/poolscale/redis |
 *   redisUrl=redis://host:6379 (no password) | createRedisSecret=true
 * - redisDrivers=tcp | rest | tcp,rest (with a secret or parameter: the clients to bundle)
 * - redisKmsKeyArn=arn:aws:kms:... (the customer-managed key of that secret or parameter)
 * - vpcId=vpc-..., vpcSubnetIds=subnet-a,subnet-b, vpcSecurityGroupIds=sg-... (the functions in a VPC)
 * - schedule=rate(1 minute), alarmPrefix=poolscale-, historyTtlDays=30, historyHeartbeat=15m|0|off,
 *   destroyOnRemoval=true
 */
export function propsFromContext(node: Node): PoolscaleProps {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    return String(value).trim();
  };
  const props: PoolscaleProps = {};
  const services = text('ecsServices');
  if (services) props.ecsServices = parseEcsServices(services);
  const redis = redisFromContext(text);
  if (redis) props.redis = redis;
  const schedule = text('schedule');
  if (schedule) props.scheduleExpression = schedule;
  const alarmPrefix = text('alarmPrefix');
  if (alarmPrefix) props.alarmPrefix = alarmPrefix;
  const ttl = text('historyTtlDays');
  if (ttl) props.historyTtlDays = Number(ttl);
  const heartbeat = text('historyHeartbeat');
  if (heartbeat) props.historyHeartbeat = heartbeat;
  if (text('destroyOnRemoval') === 'true') props.removalPolicy = RemovalPolicy.DESTROY;
  const list = (key: string) => text(key)?.split(',').map((entry) => entry.trim()).filter(Boolean);
  const vpcId = text('vpcId');
  // Kept even when incomplete, so that validation names what is missing.
  if (vpcId || text('vpcSubnetIds') || text('vpcSecurityGroupIds')) {
    const securityGroupIds = list('vpcSecurityGroupIds');
    props.vpcIds = { vpcId: vpcId ?? '', subnetIds: list('vpcSubnetIds') ?? [], ...(securityGroupIds ? { securityGroupIds } : {}) };
  }
  return props;
}

/** "cluster/service,cluster/other" -> refs; a malformed entry keeps its text so validation names it. */
export function parseEcsServices(value: string): EcsServiceRef[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0)
    .map((entry) => {
      // `region:cluster/service` for a service outside the stack's region.
      const colon = entry.indexOf(':');
      const region = colon < 0 ? undefined : entry.slice(0, colon);
      const rest = colon < 0 ? entry : entry.slice(colon + 1);
      const slash = rest.indexOf('/');
      const ref: EcsServiceRef = slash < 0 ? { cluster: '', service: rest } : { cluster: rest.slice(0, slash), service: rest.slice(slash + 1) };
      return region === undefined ? ref : { ...ref, region };
    });
}

function redisFromContext(text: (key: string) => string | undefined): RedisConnection | undefined {
  const listed = text('redisDrivers');
  // Unknown names are kept so that validation names them.
  const drivers = listed ? { drivers: listed.split(',').map((driver) => driver.trim()).filter(Boolean) as RedisDriver[] } : {};
  const kmsKeyArn = text('redisKmsKeyArn');
  const key = kmsKeyArn ? { kmsKeyArn } : {};
  const secretArn = text('redisSecretArn');
  if (secretArn) return { secretArn, ...drivers, ...key };
  const ssmParameterName = text('redisSsmParameter');
  if (ssmParameterName) return { ssmParameterName, ...drivers, ...key };
  const url = text('redisUrl');
  if (url) return { url };
  if (text('createRedisSecret') === 'true') return { createSecret: true, ...drivers };
  return undefined;
}
