import path from 'node:path';
import { Annotations, Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnRoute,
  type CfnStage,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { type Attribute, AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type ISecurityGroup, type IVpc, SecurityGroup, Subnet, type SubnetSelection, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { ValidationError, type FieldProblem } from '../shared/domain/errors';
import { historyHeartbeatMs } from '../shared/runtime/historyPolicy';
import { SECRET_KEY_SECRET_ENV } from '../shared/relay/secretBox';
import { REDIS_DRIVERS, type RedisDriver } from './bundling/bundleFunction';
import { PoolscaleFunction, type EcsServiceRef } from './PoolscaleFunction';
import { TABLE_DEFINITIONS, type KeyAttribute, type TableDefinition, type TableKey } from '../shared/adapters/dynamodb/tables';

/**
 * Where the functions find Redis/Upstash credentials. Secrets never appear in the template:
 * a Secrets Manager secret (imported, or created with a placeholder for you to fill in: until
 * then only the pools that read Redis fail, and each tick reads it again), or an SSM SecureString
 * parameter name. `url` is accepted only for a password-less endpoint (e.g. inside a VPC: see
 * `vpc`).
 */
export type RedisConnection =
  | ({ secretArn: string } & RedisDrivers & RedisKey)
  | ({ createSecret: true } & RedisDrivers)
  | ({ ssmParameterName: string } & RedisDrivers & RedisKey)
  | { url: string };

/** The customer-managed KMS key an imported secret or parameter is encrypted with. */
export interface RedisKey {
  /** Granted kms:Decrypt to the functions. @default the AWS managed key (aws/secretsmanager, aws/ssm), which needs no grant */
  kmsKeyArn?: string;
}

/**
 * Which Redis clients the functions carry: `tcp` (redis://, ioredis) and/or `rest` (Upstash).
 * A stored secret or parameter may name either kind, so both are bundled unless you say; a
 * plain `url` is always `tcp`. Without `redis`, neither is bundled.
 */
export interface RedisDrivers {
  /** @default ['tcp', 'rest'] */
  drivers?: readonly RedisDriver[];
}

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

export interface PoolscaleProps {
  /** ECS services the evaluator (and the API's manual scale) may describe and scale. @default none */
  ecsServices?: readonly EcsServiceRef[];
  /** @default no Redis: pools use CloudWatch, ECS and host metrics only */
  redis?: RedisConnection;
  /** EventBridge schedule of the evaluation tick. @default 'rate(1 minute)' */
  scheduleExpression?: string;
  /**
   * An alarm named `<alarmPrefix><poolId>-...` evaluates that pool at once; so does any alarm a pool
   * lists in its `alarms`. @default 'poolscale-'
   */
  alarmPrefix?: string;
  /** Decision history kept this many days (DynamoDB TTL). @default 30 */
  historyTtlDays?: number;
  /**
   * How often a routine unchanged decision is still recorded in the history (HISTORY_HEARTBEAT):
   * a duration such as `15m`, `0` for every decision, `off` for changes only. @default '15m'
   */
  historyHeartbeat?: string;
  /** Tables and log groups. @default RemovalPolicy.RETAIN */
  removalPolicy?: RemovalPolicy;
  /** Stage-wide API throttling (requests per second). @default { rateLimit: 20, burstLimit: 40 } */
  apiThrottle?: Throttle;
  /** Throttling of `POST /agent/heartbeat`. @default { rateLimit: 10, burstLimit: 20 } */
  heartbeatThrottle?: Throttle;
  /** Directory of the Lambda entry files. @default `<repo>/functions` */
  functionsDir?: string;
  /**
   * Runs the three functions in this VPC, to reach a Redis inside it (ElastiCache, MemoryDB).
   * They then reach AWS through the VPC: give its subnets a NAT gateway, or endpoints for
   * DynamoDB (gateway), Secrets Manager or SSM, CloudWatch (monitoring) and ECS. @default no VPC
   */
  vpc?: IVpc;
  /** With `vpc`: the subnets. @default the VPC's private subnets */
  vpcSubnets?: SubnetSelection;
  /** With `vpc`: the security groups (allow egress to Redis and AWS). @default one created per function, all egress */
  securityGroups?: ISecurityGroup[];
  /** The same placement by ids, without a lookup (what `-c vpcId=... -c vpcSubnetIds=...` gives); not with `vpc`. */
  vpcIds?: VpcIds;
}

export interface VpcIds {
  vpcId: string;
  subnetIds: readonly string[];
  /** @default one security group created per function, all egress */
  securityGroupIds?: readonly string[];
}


/** Operator routes: all signed with SigV4 (IAM authorization). */
const OPERATOR_ROUTES: readonly { path: string; methods: HttpMethod[] }[] = [
  { path: '/pools', methods: [HttpMethod.GET] },
  { path: '/pools/{id}', methods: [HttpMethod.GET, HttpMethod.PUT, HttpMethod.DELETE] },
  { path: '/pools/{id}/history', methods: [HttpMethod.GET] },
  { path: '/pools/{id}/scale', methods: [HttpMethod.POST] },
  { path: '/pools/{id}/pause', methods: [HttpMethod.POST] },
  { path: '/pools/{id}/resume', methods: [HttpMethod.POST] },
  { path: '/openapi.json', methods: [HttpMethod.GET] },
  { path: '/health', methods: [HttpMethod.GET] },
  { path: '/favicon.ico', methods: [HttpMethod.GET] },
  { path: '/dashboard', methods: [HttpMethod.GET] },
  { path: '/dashboard/app.js', methods: [HttpMethod.GET] },
  { path: '/dashboard/app.css', methods: [HttpMethod.GET] },
  { path: '/hosts', methods: [HttpMethod.GET, HttpMethod.POST] },
  { path: '/hosts/{id}', methods: [HttpMethod.GET, HttpMethod.DELETE] },
  { path: '/hosts/{id}/rotate-secret', methods: [HttpMethod.POST] },
];

export const HEARTBEAT_ROUTE = '/agent/heartbeat';

const DEFAULT_FUNCTIONS_DIR = path.resolve(import.meta.dirname, '..', 'functions');

/**
 * poolscale on AWS: four DynamoDB tables, the evaluator on a schedule and on CloudWatch alarm
 * state changes, the operator API (IAM-signed) and the agent relay (HMAC-signed) behind one
 * HTTP API. Every function gets only the tables and actions it uses.
 */
export class Poolscale extends Construct {
  public readonly tables: Record<TableKey, Table>;
  public readonly evaluate: PoolscaleFunction;
  public readonly api: PoolscaleFunction;
  public readonly relay: PoolscaleFunction;
  public readonly httpApi: HttpApi;
  public readonly scheduleRule: Rule;
  public readonly alarmRule: Rule;
  public readonly redisSecret?: ISecret;
  /** The generated key that seals agents' HMAC secrets at rest (AGENT_SECRET_KEY_SECRET_ARN). */
  public readonly agentSecretKey: Secret;

  constructor(scope: Construct, id: string, props: PoolscaleProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const alarmPrefix = props.alarmPrefix ?? 'poolscale-';
    const historyTtlDays = props.historyTtlDays ?? 30;
    const ecsServices = props.ecsServices ?? [];
    validateProps(props, historyTtlDays);

    this.tables = {
      policies: this.createTable('Policies', TABLE_DEFINITIONS.policies, removalPolicy),
      state: this.createTable('State', TABLE_DEFINITIONS.state, removalPolicy),
      history: this.createTable('History', TABLE_DEFINITIONS.history, removalPolicy),
      agents: this.createTable('Agents', TABLE_DEFINITIONS.agents, removalPolicy),
    };
    const { policies, state, history, agents } = this.tables;

    const functionsDir = props.functionsDir ?? DEFAULT_FUNCTIONS_DIR;
    const common = {
      removalPolicy,
      environment: {
        HISTORY_TTL_DAYS: String(historyTtlDays),
        ALARM_PREFIX: alarmPrefix,
        ...(props.historyHeartbeat !== undefined ? { HISTORY_HEARTBEAT: props.historyHeartbeat } : {}),
      },
      redisDrivers: redisDriversOf(props.redis),
      ...this.vpcPlacement(props),
    };

    // The evaluator reads policies, claims state, records history and sets the desired
    // counts that host agents pick up (AgentRecord.desired), so agents is read-write too.
    this.evaluate = new PoolscaleFunction(this, 'Evaluate', {
      ...common,
      entry: path.join(functionsDir, 'evaluate.ts'),
      serviceName: 'poolscale-evaluate',
      description: 'poolscale: evaluates every due pool (schedule and CloudWatch alarm triggers)',
      timeout: Duration.seconds(50),
    })
      .bindTable(policies, 'read', TABLE_DEFINITIONS.policies.envVar)
      .bindTable(state, 'readWrite', TABLE_DEFINITIONS.state.envVar)
      .bindTable(history, 'readWrite', TABLE_DEFINITIONS.history.envVar)
      .bindTable(agents, 'readWrite', TABLE_DEFINITIONS.agents.envVar)
      .bindMetricsRead()
      .bindEcsServices(ecsServices, { scale: true });

    // Manual scale applies at once through a forced tick, which observes, acts and records a
    // decision like the evaluator; on top of that the API manages policies.
    this.api = new PoolscaleFunction(this, 'Api', {
      ...common,
      entry: path.join(functionsDir, 'api.ts'),
      serviceName: 'poolscale-api',
      description: 'poolscale: operator API (status, history, manual scale, pause/resume, policies)',
      timeout: Duration.seconds(29),
    })
      .bindTable(policies, 'readWrite', TABLE_DEFINITIONS.policies.envVar)
      .bindTable(state, 'readWrite', TABLE_DEFINITIONS.state.envVar)
      .bindTable(history, 'readWrite', TABLE_DEFINITIONS.history.envVar)
      .bindTable(agents, 'readWrite', TABLE_DEFINITIONS.agents.envVar)
      .bindMetricsRead()
      .bindEcsServices(ecsServices, { scale: true });

    // The relay never changes policies: it reads them to answer agents, and records heartbeats,
    // nonces (replay protection), host pool state and decisions. A host pool may scale on a
    // CloudWatch metric, so it reads metrics; it never scales ECS services.
    this.relay = new PoolscaleFunction(this, 'Relay', {
      ...common,
      entry: path.join(functionsDir, 'relay.ts'),
      serviceName: 'poolscale-relay',
      description: 'poolscale: relay for on-host agents (HMAC-signed heartbeats)',
      timeout: Duration.seconds(10),
    })
      .bindTable(policies, 'read', TABLE_DEFINITIONS.policies.envVar)
      .bindTable(agents, 'readWrite', TABLE_DEFINITIONS.agents.envVar)
      .bindTable(state, 'readWrite', TABLE_DEFINITIONS.state.envVar)
      .bindTable(history, 'readWrite', TABLE_DEFINITIONS.history.envVar)
      .bindMetricsRead();

    this.redisSecret = this.bindRedis(props.redis, [this.evaluate, this.api, this.relay]);

    // Agents' HMAC secrets are sealed at rest (AES-256-GCM) under a key that is not in the table:
    // generated here, read by the two functions that enrol hosts and check their signatures.
    // Evaluate never opens a host secret. Retained always: deleting it would leave every sealed
    // host secret unopenable (every host would have to be enrolled again).
    this.agentSecretKey = new Secret(this, 'AgentSecretKey', {
      description: 'poolscale: key sealing the agents\' HMAC secrets in the agents table ({"key": "..."}; the key is its SHA-256)',
      generateSecretString: { secretStringTemplate: '{}', generateStringKey: 'key', passwordLength: 64, excludePunctuation: true },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.agentSecretKey).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Rotating the sealing key would leave every sealed host secret unopenable; to change it, set a new key and enrol each host again (README, Security).',
    });
    for (const fn of [this.api, this.relay]) fn.bindSecret(this.agentSecretKey, SECRET_KEY_SECRET_ENV);

    this.scheduleRule = new Rule(this, 'Schedule', {
      description: 'poolscale: periodic evaluation tick',
      schedule: Schedule.expression(props.scheduleExpression ?? 'rate(1 minute)'),
    });
    // A tick that is minutes late is superseded by the next one: do not pile up retries. The
    // target's settings cover EventBridge's delivery to Lambda; an invocation that fails (throws,
    // times out) is retried by Lambda's own asynchronous-invocation settings (by default twice,
    // up to 6 hours later): one retry, within two minutes, for ticks and alarms alike.
    this.scheduleRule.addTarget(
      new LambdaFunction(this.evaluate, { retryAttempts: 1, maxEventAge: Duration.minutes(2) }),
    );
    this.evaluate.configureAsyncInvoke({ retryAttempts: 1, maxEventAge: Duration.minutes(2) });

    // Every alarm of the account and region entering ALARM reaches evaluate, which maps it to
    // pools: by name (`<alarmPrefix><poolId>-...`) or by a pool's own `alarms` list. Pools are
    // configured at run time (PUT /pools), so their alarm names cannot be in the pattern. The
    // cost of forwarding all: one short invocation (a policy Scan) per ALARM transition of an
    // unrelated alarm; EventBridge does not charge for AWS service events on the default bus.
    this.alarmRule = new Rule(this, 'AlarmStateChange', {
      description: `poolscale: evaluate at once when an alarm enters ALARM (named ${alarmPrefix}<pool>-... or listed in a pool's alarms)`,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        detail: { state: { value: ['ALARM'] } },
      },
    });
    this.alarmRule.addTarget(
      new LambdaFunction(this.evaluate, { retryAttempts: 2, maxEventAge: Duration.minutes(5) }),
    );

    this.httpApi = this.createHttpApi(
      removalPolicy,
      props.apiThrottle ?? { rateLimit: 20, burstLimit: 40 },
      props.heartbeatThrottle ?? { rateLimit: 10, burstLimit: 20 },
    );
  }

  /** The functions' VPC placement: the given constructs, or ones imported by id (no lookup, so synth stays offline). */
  private vpcPlacement(props: PoolscaleProps): { vpc?: IVpc; vpcSubnets?: SubnetSelection; securityGroups?: ISecurityGroup[] } {
    if (props.vpcIds) {
      const { vpcId, subnetIds, securityGroupIds } = props.vpcIds;
      return {
        // The subnets are named below, so the VPC's own list of zones and subnets is never read.
        vpc: Vpc.fromVpcAttributes(this, 'Vpc', { vpcId, availabilityZones: [Aws.NO_VALUE] }),
        vpcSubnets: {
          subnets: subnetIds.map((id, index) => {
            const subnet = Subnet.fromSubnetId(this, `Subnet${index}`, id);
            Annotations.of(subnet).acknowledgeWarning('@aws-cdk/aws-ec2:noSubnetRouteTableId', 'Only the subnet id is used (the functions\' VpcConfig); its route table is never read.');
            return subnet;
          }),
        },
        ...(securityGroupIds?.length ? { securityGroups: securityGroupIds.map((id, index) => SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${index}`, id)) } : {}),
      };
    }
    return {
      ...(props.vpc ? { vpc: props.vpc } : {}),
      ...(props.vpcSubnets ? { vpcSubnets: props.vpcSubnets } : {}),
      ...(props.securityGroups ? { securityGroups: props.securityGroups } : {}),
    };
  }

  private createTable(id: string, definition: TableDefinition, removalPolicy: RemovalPolicy): Table {
    return new Table(this, id, {
      partitionKey: toAttribute(definition.partitionKey),
      ...(definition.sortKey ? { sortKey: toAttribute(definition.sortKey) } : {}),
      ...(definition.timeToLiveAttribute ? { timeToLiveAttribute: definition.timeToLiveAttribute } : {}),
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy,
    });
  }

  /**
   * kms:Decrypt on the customer-managed key of a Redis secret or parameter, granted explicitly:
   * the imported secret's own grant leaves the key out when its account is not the stack's.
   */
  private grantRedisKey(redis: RedisKey, functions: PoolscaleFunction[]): void {
    if (!redis.kmsKeyArn) return;
    for (const fn of functions) fn.addToRolePolicy(new PolicyStatement({ sid: 'DecryptRedisLocation', actions: ['kms:Decrypt'], resources: [redis.kmsKeyArn] }));
  }

  private bindRedis(redis: RedisConnection | undefined, functions: PoolscaleFunction[]): ISecret | undefined {
    if (!redis) return undefined;
    if ('url' in redis) {
      for (const fn of functions) fn.addEnvironment('REDIS_URL', redis.url);
      return undefined;
    }
    if ('ssmParameterName' in redis) {
      const parameter = StringParameter.fromSecureStringParameterAttributes(this, 'RedisParameter', {
        parameterName: redis.ssmParameterName,
      });
      for (const fn of functions) fn.bindParameter(parameter, 'REDIS_SSM_PARAMETER');
      this.grantRedisKey(redis, functions);
      return undefined;
    }
    let secret: ISecret;
    if ('secretArn' in redis) {
      // A complete ARN (with the 6-character suffix) lets the grant name the exact secret.
      secret = /-[A-Za-z0-9]{6}$/.test(redis.secretArn)
        ? Secret.fromSecretCompleteArn(this, 'RedisSecret', redis.secretArn)
        : Secret.fromSecretPartialArn(this, 'RedisSecret', redis.secretArn);
      this.grantRedisKey(redis, functions);
    } else {
      const created = new Secret(this, 'RedisSecret', {
        description: 'poolscale Redis/Upstash credentials: {"url":"redis://..."} or {"restUrl":"...","token":"..."}',
        removalPolicy: RemovalPolicy.RETAIN,
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason:
          'Holds credentials issued by an external Redis/Upstash provider; Secrets Manager cannot rotate them. Rotate at the provider and update the secret.',
      });
      secret = created;
    }
    for (const fn of functions) fn.bindSecret(secret, 'REDIS_SECRET_ARN');
    return secret;
  }

  private createHttpApi(removalPolicy: RemovalPolicy, throttle: Throttle, heartbeatThrottle: Throttle): HttpApi {
    const httpApi = new HttpApi(this, 'HttpApi', {
      description: 'poolscale operator API and agent relay',
      createDefaultStage: false,
    });
    const accessLogs = new LogGroup(this, 'ApiAccessLogs', {
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy,
    });
    const stage = new HttpStage(this, 'DefaultStage', {
      httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            sourceIp: '$context.identity.sourceIp',
            caller: '$context.identity.userArn',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            integrationLatency: '$context.integrationLatency',
            error: '$context.error.message',
          }),
        ),
      },
    });

    const apiIntegration = new HttpLambdaIntegration('ApiIntegration', this.api);
    const iam = new HttpIamAuthorizer();
    for (const route of OPERATOR_ROUTES) {
      httpApi.addRoutes({ path: route.path, methods: route.methods, integration: apiIntegration, authorizer: iam });
    }

    const [heartbeat] = httpApi.addRoutes({
      path: HEARTBEAT_ROUTE,
      methods: [HttpMethod.POST],
      integration: new HttpLambdaIntegration('RelayIntegration', this.relay),
      authorizer: new HttpNoneAuthorizer(),
    });
    // Agents on bare-metal hosts hold no AWS credentials; they sign each request with their
    // per-host HMAC key. API Gateway cannot check an HMAC over the body, so the relay does.
    if (heartbeat) {
      // Its own, lower limit: unauthenticated callers reach this route, and a fleet of agents
      // beating every few seconds needs far less than the operator API's budget.
      const cfnStage = stage.node.defaultChild as CfnStage;
      cfnStage.routeSettings = {
        [`POST ${HEARTBEAT_ROUTE}`]: {
          ThrottlingRateLimit: heartbeatThrottle.rateLimit,
          ThrottlingBurstLimit: heartbeatThrottle.burstLimit,
        },
      };
      // Route settings name a route key that must exist before the stage is updated.
      cfnStage.addResourceDependency(heartbeat.node.defaultChild as CfnRoute);
      Validations.of(heartbeat).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'Agents on bare-metal hosts have no AWS credentials. The relay function authenticates every request itself before touching host state: HMAC-SHA256 (per-host secret) over the timestamp, a nonce and the body hash, a +/-5 min timestamp window, and single-use nonces claimed with a conditional write after the signature checks out (replay protection); failures get 401. Stage throttling caps unauthenticated load.',
      });
    }
    return httpApi;
  }
}

/** The Redis clients a deployment can need: none without Redis, `tcp` for a URL, else as configured. */
export function redisDriversOf(redis: RedisConnection | undefined): RedisDriver[] {
  if (!redis) return [];
  if ('url' in redis) return ['tcp'];
  return [...(redis.drivers ?? REDIS_DRIVERS)];
}

function toAttribute(key: KeyAttribute): Attribute {
  return { name: key.name, type: key.type === 'N' ? AttributeType.NUMBER : AttributeType.STRING };
}

/** Refuses props that would deploy something unsafe or broken, naming every bad field. */
function validateProps(props: PoolscaleProps, historyTtlDays: number): void {
  const problems: FieldProblem[] = [];
  const problem = (path: string, message: string, value: unknown) =>
    problems.push({ path, message, value, severity: 'error' });
  if (!Number.isInteger(historyTtlDays) || historyTtlDays < 1) {
    problem('historyTtlDays', `Expected a whole number of days, at least 1 (got ${historyTtlDays})`, historyTtlDays);
  }
  if (props.historyHeartbeat !== undefined) {
    try {
      historyHeartbeatMs(props.historyHeartbeat, 'historyHeartbeat');
    } catch (error) {
      problem('historyHeartbeat', error instanceof Error ? error.message : String(error), props.historyHeartbeat);
    }
  }
  (props.ecsServices ?? []).forEach((service, index) => {
    if (!service.cluster || !service.service || /[/,*:\s]/.test(service.cluster + service.service)) {
      problem(
        `ecsServices[${index}]`,
        `Expected a cluster and a service name without "/", ",", ":", "*" or spaces (got ${JSON.stringify(service)})`,
        service,
      );
    }
    if (service.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(service.region)) {
      problem(`ecsServices[${index}].region`, `Expected a region such as eu-west-1 (got ${JSON.stringify(service.region)})`, service.region);
    }
  });
  if (props.vpcIds) {
    const { vpcId, subnetIds, securityGroupIds } = props.vpcIds;
    if (props.vpc) problem('vpcIds', 'Give the VPC either as `vpc` or as `vpcIds`, not both', vpcId);
    if (!/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(vpcId)) problem('vpcIds.vpcId', `Expected a VPC id such as vpc-0123456789abcdef0 (got ${JSON.stringify(vpcId)})`, vpcId);
    if (subnetIds.length === 0) problem('vpcIds.subnetIds', 'Expected at least one subnet id (subnet-...): the functions need subnets to run in', subnetIds);
    subnetIds.forEach((id, index) => {
      if (!/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) problem(`vpcIds.subnetIds[${index}]`, `Expected a subnet id such as subnet-0123456789abcdef0 (got ${JSON.stringify(id)})`, id);
    });
    (securityGroupIds ?? []).forEach((id, index) => {
      if (!/^sg-([0-9a-f]{8}|[0-9a-f]{17})$/.test(id)) problem(`vpcIds.securityGroupIds[${index}]`, `Expected a security group id such as sg-0123456789abcdef0 (got ${JSON.stringify(id)})`, id);
    });
  }
  const redis = props.redis;
  if (redis && 'kmsKeyArn' in redis && redis.kmsKeyArn !== undefined && !/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/.test(redis.kmsKeyArn)) {
    problem('redis.kmsKeyArn', `Expected a KMS key ARN, arn:aws:kms:<region>:<account>:key/<id> (got ${JSON.stringify(redis.kmsKeyArn)})`, redis.kmsKeyArn);
  }
  if (redis && !('url' in redis) && redis.drivers !== undefined) {
    const unknown = redis.drivers.filter((driver) => !REDIS_DRIVERS.includes(driver));
    if (redis.drivers.length === 0 || unknown.length > 0) {
      problem('redis.drivers', `Expected one or both of ${REDIS_DRIVERS.join(', ')} (got ${JSON.stringify(redis.drivers)})`, redis.drivers);
    }
  }
  if (redis && 'url' in redis) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(redis.url);
    } catch {
      problem('redis.url', `Expected a URL (got ${JSON.stringify(redis.url)})`, redis.url);
    }
    // Credentials in a URL would sit in plain text in the template and the Lambda configuration.
    if (parsed && (parsed.username || parsed.password)) {
      problem('redis.url', 'Expected a URL without credentials; keep a URL with a password in a secret (redis.secretArn)', '<redacted>');
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
}
