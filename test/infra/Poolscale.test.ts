import { Token } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { Role } from 'aws-cdk-lib/aws-iam';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../shared/domain/errors';
import { TABLE_DEFINITIONS } from '../../shared/adapters/dynamodb/tables';
import type { PoolscaleProps, RedisConnection } from '../../infra/Poolscale';
import { redisDriversOf } from '../../infra/Poolscale';
import { actionsOf, buildStack, logicalIdOf, resourcesOf, statementsOfRole } from './support';

const ECS_SERVICES = [
  { cluster: 'bots', service: 'bot-pool' },
  { cluster: 'workers', service: 'celery' },
];

// One synthesis shared by the read-only assertions below: synthesis is the slow part.
const { stack, template } = buildStack({ ecsServices: ECS_SERVICES, redis: { createSecret: true } });
const poolscale = stack.poolscale;

const serviceArn = (cluster: string, service: string) => ({
  'Fn::Join': [
    '',
    ['arn:', { Ref: 'AWS::Partition' }, ':ecs:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:service/${cluster}/${service}`],
  ],
});

const tableArn = (name: keyof typeof poolscale.tables) => ({
  'Fn::GetAtt': [logicalIdOf(stack, poolscale.tables[name]), 'Arn'],
});

const statementsOf = (fn: typeof poolscale.evaluate) =>
  statementsOfRole(template, logicalIdOf(stack, fn.role as Role));

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'];

/** Tables a function's role may write, by name. */
const writableTables = (fn: typeof poolscale.evaluate): string[] => {
  const writes = statementsOf(fn).filter((s) => actionsOf(s).some((a) => WRITE_ACTIONS.includes(a)));
  const resources = writes.flatMap(resourcesOf).map((r) => JSON.stringify(r));
  return (Object.keys(poolscale.tables) as (keyof typeof poolscale.tables)[])
    .filter((name) => resources.includes(JSON.stringify(tableArn(name))))
    .sort();
};

// Some cases synthesize a stack of their own; give them room on a shared machine.
describe('Construct: Poolscale', { timeout: 120_000 }, () => {
  describe('DynamoDB tables', () => {
    it('creates exactly the four tables', () => {
      // Assess
      template.resourceCountIs('AWS::DynamoDB::Table', 4);
    });

    it.each(Object.entries(TABLE_DEFINITIONS).map(([name, definition]) => ({ case: name, name, definition })))(
      'table $case: on-demand, point-in-time recovery, AWS managed encryption, keys of TABLE_DEFINITIONS',
      ({ name, definition }) => {
        // Prepare
        const logicalId = logicalIdOf(stack, poolscale.tables[name as keyof typeof poolscale.tables]);
        const table = template.toJSON().Resources[logicalId];

        // Assess
        expect(table.Properties).toMatchObject({
          BillingMode: 'PAY_PER_REQUEST',
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          SSESpecification: { SSEEnabled: true },
          KeySchema: definition.keySchema,
          AttributeDefinitions: definition.attributeDefinitions,
        });
        if (definition.timeToLiveAttribute) {
          expect(table.Properties.TimeToLiveSpecification).toEqual({
            AttributeName: definition.timeToLiveAttribute,
            Enabled: true,
          });
        } else {
          expect(table.Properties.TimeToLiveSpecification).toBeUndefined();
        }
        expect(table.DeletionPolicy).toBe('Retain');
      },
    );

    it('puts a TTL on expiresAt for history and agents', () => {
      // Assess
      for (const name of ['history', 'agents'] as const) {
        template.hasResource('AWS::DynamoDB::Table', {
          Properties: Match.objectLike({
            KeySchema: TABLE_DEFINITIONS[name].keySchema,
            TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
          }),
        });
      }
    });
  });

  describe('Lambda functions', () => {
    it.each([
      { case: 'evaluate', fn: poolscale.evaluate, service: 'poolscale-evaluate' },
      { case: 'api', fn: poolscale.api, service: 'poolscale-api' },
      { case: 'relay', fn: poolscale.relay, service: 'poolscale-relay' },
    ])('$case runs nodejs24.x on arm64 with tracing, 512 MB and its own log group', ({ fn, service }) => {
      // Prepare
      const resource = template.toJSON().Resources[logicalIdOf(stack, fn)];

      // Assess
      expect(resource.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Environment: { Variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: service }) },
      });
      expect(resource.Properties.LoggingConfig.LogGroup).toEqual({
        Ref: logicalIdOf(stack, fn.logGroup as never),
      });
    });

    it('gives every log group a retention period', () => {
      // Prepare
      const groups = Object.values(template.findResources('AWS::Logs::LogGroup'));

      // Assess
      expect(groups).toHaveLength(4);
      for (const group of groups) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    });

    it('uses no AWS managed policy (no AWSLambdaBasicExecutionRole)', () => {
      // Assess
      for (const role of Object.values(template.findResources('AWS::IAM::Role'))) {
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      }
    });

    it('passes table names, TTL days and alarm prefix to the evaluator', () => {
      // Assess
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'poolscale-evaluate',
            POLICIES_TABLE: { Ref: logicalIdOf(stack, poolscale.tables.policies) },
            STATE_TABLE: { Ref: logicalIdOf(stack, poolscale.tables.state) },
            HISTORY_TABLE: { Ref: logicalIdOf(stack, poolscale.tables.history) },
            AGENTS_TABLE: { Ref: logicalIdOf(stack, poolscale.tables.agents) },
            HISTORY_TTL_DAYS: '30',
            ALARM_PREFIX: 'poolscale-',
            REDIS_SECRET_ARN: { Ref: Match.stringLikeRegexp('RedisSecret') },
          }),
        },
      });
    });
  });

  describe('EventBridge rules', () => {
    it('ticks the evaluator every minute', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack, poolscale.evaluate), 'Arn'] } })],
      });
    });

    it('forwards every alarm entering ALARM to the evaluator (pools map alarms by prefix or by their `alarms` list)', () => {
      // Assess
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.cloudwatch'],
          'detail-type': ['CloudWatch Alarm State Change'],
          detail: { state: { value: ['ALARM'] } },
        },
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [logicalIdOf(stack, poolscale.evaluate), 'Arn'] } })],
      });
    });

    it.each([
      { case: 'an alarm a pool lists in `alarms` (no prefix) entering ALARM', alarmName: 'HighQueueDepth', state: 'ALARM', matches: true },
      { case: 'an alarm named with the prefix entering ALARM', alarmName: 'poolscale-web-api-queue-high', state: 'ALARM', matches: true },
      { case: 'an alarm returning to OK', alarmName: 'HighQueueDepth', state: 'OK', matches: false },
      { case: 'an alarm going to INSUFFICIENT_DATA', alarmName: 'poolscale-web-api-queue-high', state: 'INSUFFICIENT_DATA', matches: false },
    ])('the synthesized alarm pattern matches $case: $matches', ({ alarmName, state, matches }) => {
      // Prepare
      const rule = Object.values(template.findResources('AWS::Events::Rule')).find((r) => r.Properties.EventPattern);
      const event = alarmEvent(alarmName, state);

      // Act
      const matched = matchesEventPattern(rule!.Properties.EventPattern, event);

      // Assess
      expect(matched).toBe(matches);
    });

    it('lets Lambda retry a failed evaluation once, within two minutes (not twice over six hours)', () => {
      // Assess: EventBridge's target retry covers delivery only; a failed invocation is Lambda's.
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: { Ref: logicalIdOf(stack, poolscale.evaluate) },
        MaximumRetryAttempts: 1,
        MaximumEventAgeInSeconds: 120,
      });
    });

    it('honours a custom schedule and alarm prefix', () => {
      // Act
      const { template: custom } = buildStack({ scheduleExpression: 'rate(5 minutes)', alarmPrefix: 'scale-' });

      // Assess
      custom.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(5 minutes)' });
      custom.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'poolscale-evaluate', ALARM_PREFIX: 'scale-' }) },
      });
    });
  });

  describe('HTTP API', () => {
    it.each([
      'GET /pools',
      'GET /pools/{id}',
      'PUT /pools/{id}',
      'DELETE /pools/{id}',
      'GET /pools/{id}/history',
      'POST /pools/{id}/scale',
      'POST /pools/{id}/pause',
      'POST /pools/{id}/resume',
      'GET /openapi.json',
      'GET /health',
      'GET /favicon.ico',
      'GET /dashboard',
      'GET /hosts',
      'POST /hosts',
      'GET /hosts/{id}',
      'DELETE /hosts/{id}',
      'POST /hosts/{id}/rotate-secret',
    ].map((route) => ({ case: route, route })))('operator route $case requires IAM (SigV4)', ({ route }) => {
      // Assess
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: route, AuthorizationType: 'AWS_IAM' });
    });

    it('has no route beyond the operator routes and the heartbeat', () => {
      // Assess
      template.resourceCountIs('AWS::ApiGatewayV2::Route', 20);
    });

    it('leaves the heartbeat to the relay, which verifies HMAC signatures itself', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
        RouteKey: 'POST /agent/heartbeat',
        AuthorizationType: 'NONE',
      });
    });

    it('throttles the heartbeat route below the stage limit', () => {
      // Prepare
      const stageResource = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!;
      const heartbeatRoute = Object.entries(template.findResources('AWS::ApiGatewayV2::Route')).find(
        ([, route]) => route.Properties.RouteKey === 'POST /agent/heartbeat',
      );

      // Assess
      expect(stageResource.Properties.RouteSettings).toEqual({
        'POST /agent/heartbeat': { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      });
      expect(stageResource.DependsOn).toContain(heartbeatRoute?.[0]);
    });

    it('logs access and throttles on the stage', () => {
      // Assess
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: {
          DestinationArn: Match.anyValue(),
          Format: Match.stringLikeRegexp('\\$context\\.requestId'),
        },
        DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      });
    });
  });

  describe('IAM', () => {
    const allStatements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const allActions = allStatements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

    it('grants no wildcard action', () => {
      // Assess
      expect(allActions.length).toBeGreaterThan(0);
      for (const action of allActions) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/\*/);
      }
      expect(allActions).not.toContain('ecs:*');
    });

    it('names a service of another region with that region in every ECS grant (a pool\'s target.region)', () => {
      // Act
      const { template: other } = buildStack({ ecsServices: [{ cluster: 'workers', service: 'celery', region: 'eu-west-1' }] });

      // Assess: the region is in the ARN itself, not the stack's AWS::Region
      const ecsStatements = Object.values(other.findResources('AWS::IAM::Policy'))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown; Condition?: unknown }[])
        .filter((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).some((action) => action.startsWith('ecs:')));
      expect(ecsStatements.length).toBeGreaterThan(0);
      for (const statement of ecsStatements) {
        const text = JSON.stringify(statement.Resource === '*' ? statement.Condition : statement.Resource);
        expect(text).toContain(':ecs:eu-west-1:');
        expect(text).not.toContain('AWS::Region');
      }
    });

    it('allows ecs:UpdateService only on the configured services', () => {
      // Prepare
      const resources = allStatements
        .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('ecs:UpdateService'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]));

      // Assess
      expect(resources.length).toBeGreaterThan(0);
      const expected = ECS_SERVICES.map((s) => JSON.stringify(serviceArn(s.cluster, s.service)));
      for (const resource of resources) expect(expected).toContain(JSON.stringify(resource));
    });

    it('limits ecs:UpdateTaskProtection to tasks of the configured clusters', () => {
      // Prepare
      const resources = allStatements
        .filter((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('ecs:UpdateTaskProtection'))
        .flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]))
        .map((r) => JSON.stringify(r));

      // Assess
      expect(resources.length).toBeGreaterThan(0);
      for (const resource of resources) expect(resource).toMatch(/:task\/(bots|workers)\/\*"/);
    });

    it('narrows ecs:ListTasks to the configured clusters', () => {
      // Prepare
      const listTasks = allStatements.filter((s) =>
        (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('ecs:ListTasks'),
      ) as { Condition?: { ArnEquals?: Record<string, unknown[]> } }[];

      // Assess
      expect(listTasks.length).toBeGreaterThan(0);
      for (const statement of listTasks) {
        const clusters = statement.Condition?.ArnEquals?.['ecs:cluster']?.map((c) => JSON.stringify(c)) ?? [];
        expect(clusters).toHaveLength(2);
        expect(clusters.every((c) => /:cluster\/(bots|workers)"/.test(c))).toBe(true);
      }
    });

    it('uses a "*" resource only for X-Ray, cloudwatch:GetMetricData and the cluster-conditioned ecs:ListTasks', () => {
      // Prepare
      const wildcardActions = allStatements
        .filter((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]).includes('*'))
        .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

      // Assess
      expect(new Set(wildcardActions)).toEqual(
        new Set(['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'cloudwatch:GetMetricData', 'ecs:ListTasks']),
      );
    });

    it.each([
      { case: 'evaluate', fn: poolscale.evaluate, writes: ['agents', 'history', 'state'] },
      { case: 'api', fn: poolscale.api, writes: ['agents', 'history', 'policies', 'state'] },
      { case: 'relay', fn: poolscale.relay, writes: ['agents', 'history', 'state'] },
    ])('$case writes only its own tables', ({ fn, writes }) => {
      // Assess
      expect(writableTables(fn)).toEqual(writes);
    });

    it('lets the relay touch no ECS service', () => {
      // Prepare
      const actions = statementsOf(poolscale.relay).flatMap(actionsOf);

      // Assess
      expect(actions).toContain('cloudwatch:GetMetricData');
      expect(actions.filter((a) => a.startsWith('ecs:'))).toEqual([]);
    });

    it.each([
      { case: 'evaluate', fn: poolscale.evaluate },
      { case: 'api', fn: poolscale.api },
    ])('lets $case describe, scale and protect the configured services', ({ fn }) => {
      // Prepare
      const actions = statementsOf(fn).flatMap(actionsOf);

      // Assess
      expect(actions).toEqual(
        expect.arrayContaining(['ecs:DescribeServices', 'ecs:UpdateService', 'ecs:ListTasks', 'ecs:UpdateTaskProtection']),
      );
    });

    it('grants read of the Redis secret, never its value in the template', () => {
      // Prepare
      const secretGrants = allStatements.filter((s) =>
        (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('secretsmanager:GetSecretValue'),
      );

      const redisGrants = secretGrants.filter((s) => JSON.stringify(s.Resource).includes('RedisSecret'));

      // Assess
      expect(redisGrants).toHaveLength(3);
      template.hasResourceProperties('AWS::SecretsManager::Secret', Match.not(Match.objectLike({ SecretString: Match.anyValue() })));
    });

    it('generates the key sealing agents\' secrets, retained, read by api and relay only', () => {
      // Prepare
      const keyId = logicalIdOf(stack, poolscale.agentSecretKey);
      const keyGrants = allStatements.filter(
        (s) => (Array.isArray(s.Action) ? s.Action : [s.Action]).includes('secretsmanager:GetSecretValue') && JSON.stringify(s.Resource).includes(keyId),
      );
      const functionsWithKey = Object.values(template.findResources('AWS::Lambda::Function'))
        .filter((fn) => fn.Properties.Environment?.Variables?.AGENT_SECRET_KEY_SECRET_ARN !== undefined)
        .map((fn) => fn.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME)
        .sort();

      // Assess
      template.hasResource('AWS::SecretsManager::Secret', {
        Properties: { GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'key', PasswordLength: 64, ExcludePunctuation: true } },
        DeletionPolicy: 'Retain',
      });
      expect(functionsWithKey).toEqual(['poolscale-api', 'poolscale-relay']);
      expect(keyGrants).toHaveLength(2);
    });
  });

  describe('Redis connection', () => {
    it('grants ssm:GetParameter on the named SecureString parameter', () => {
      // Act
      const { template: ssm } = buildStack({ redis: { ssmParameterName: '/poolscale/redis' } });

      // Assess
      ssm.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ REDIS_SSM_PARAMETER: '/poolscale/redis' }) },
      });
      ssm.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['ssm:GetParameter']),
              Resource: Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':parameter/poolscale/redis'])]) }),
            }),
          ]),
        },
      });
    });

    it('imports a secret by complete ARN and grants that secret only', () => {
      // Prepare
      const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:poolscale/redis-AbC123';

      // Act
      const { template: imported } = buildStack({ redis: { secretArn: arn } });

      // Assess
      imported.resourceCountIs('AWS::SecretsManager::Secret', 1); // the agents' sealing key only
      imported.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Action: Match.arrayWith(['secretsmanager:GetSecretValue']), Resource: arn }),
          ]),
        },
      });
    });
  });

  describe('Redis connection, customer-managed KMS key', () => {
    const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    it.each<{ case: string; redis: RedisConnection }>([
      { case: 'an imported secret', redis: { secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:poolscale/redis-AbC123', kmsKeyArn: KEY } },
      { case: 'an SSM SecureString parameter', redis: { ssmParameterName: '/poolscale/redis', kmsKeyArn: KEY } },
    ])('grants kms:Decrypt on the key of $case, to the three functions', ({ redis }) => {
      // Act
      const { template: keyed } = buildStack({ redis });

      // Assess
      const decrypts = Object.values(keyed.findResources('AWS::IAM::Policy'))
        .flatMap((policy) => policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
        .filter((statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]).includes('kms:Decrypt'));
      expect(decrypts.map((statement) => statement.Resource)).toEqual([KEY, KEY, KEY]);
    });
  });

  describe('Functions in a VPC (a Redis inside it)', () => {
    it('places the three functions in the subnets and security groups named by id, lets Lambda manage their interfaces first', () => {
      // Act
      const { template: placed } = buildStack({ vpcIds: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'], securityGroupIds: ['sg-0123456789abcdef3'] } });

      // Assess: every function in those subnets and that group ...
      const functions = Object.values(placed.findResources('AWS::Lambda::Function'));
      expect(functions).toHaveLength(3);
      for (const fn of functions) {
        expect(fn.Properties.VpcConfig).toEqual({ SubnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'], SecurityGroupIds: ['sg-0123456789abcdef3'] });
        // ... created only once its role may create network interfaces
        const dependsOn = (fn.DependsOn ?? []) as string[];
        expect(dependsOn.some((id) => id.includes('VpcAccess'))).toBe(true);
      }
      const eni = Object.entries(placed.findResources('AWS::IAM::Policy')).filter(([id]) => id.includes('VpcAccess'));
      expect(eni).toHaveLength(3);
      for (const [, policy] of eni) {
        expect(policy.Properties.PolicyDocument.Statement[0].Action).toEqual(expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']));
      }
    });

    it('without a VPC, no function has a VpcConfig or the network-interface policy', () => {
      expect(Object.values(template.findResources('AWS::Lambda::Function')).some((fn) => fn.Properties.VpcConfig)).toBe(false);
      expect(Object.keys(template.findResources('AWS::IAM::Policy')).some((id) => id.includes('VpcAccess'))).toBe(false);
    });

    it('creates a security group per function when none is named', () => {
      const { template: placed } = buildStack({ vpcIds: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef1'] } });
      placed.resourceCountIs('AWS::EC2::SecurityGroup', 3);
    });
  });

  describe('Props validation', () => {
    it.each<{ case: string; props: PoolscaleProps; path: string }>([
      { case: 'a URL with a password', props: { redis: { url: 'redis://:hunter2@cache:6379' } }, path: 'redis.url' },
      { case: 'a malformed URL', props: { redis: { url: 'not a url' } }, path: 'redis.url' },
      { case: 'a zero TTL', props: { historyTtlDays: 0 }, path: 'historyTtlDays' },
      { case: 'a service without cluster', props: { ecsServices: [{ cluster: '', service: 'bots' }] }, path: 'ecsServices[0]' },
      { case: 'a wildcard service', props: { ecsServices: [{ cluster: 'bots', service: '*' }] }, path: 'ecsServices[0]' },
      { case: 'a region that is not one', props: { ecsServices: [{ cluster: 'bots', service: 'b', region: 'Ireland' }] }, path: 'ecsServices[0].region' },
      { case: 'a KMS key that is not an ARN', props: { redis: { ssmParameterName: '/p', kmsKeyArn: 'alias/mine' } }, path: 'redis.kmsKeyArn' },
      { case: 'a VPC without subnets', props: { vpcIds: { vpcId: 'vpc-0123456789abcdef0', subnetIds: [] } }, path: 'vpcIds.subnetIds' },
      { case: 'a subnet id that is not one', props: { vpcIds: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['private-a'] } }, path: 'vpcIds.subnetIds[0]' },
      { case: 'a VPC id that is not one', props: { vpcIds: { vpcId: '', subnetIds: ['subnet-0123456789abcdef1'] } }, path: 'vpcIds.vpcId' },
    ])('refuses $case, naming the field', ({ props, path }) => {
      // Act
      const act = () => buildStack(props);

      // Assess
      expect(act).toThrow(ValidationError);
      try {
        act();
      } catch (error) {
        expect((error as ValidationError).problems.map((p) => p.path)).toEqual([path]);
        expect(JSON.stringify(error)).not.toContain('hunter2');
        expect((error as Error).message).not.toContain('hunter2');
      }
    });

    it('accepts a password-less Redis URL as plain configuration', () => {
      // Act
      const { template: plain } = buildStack({ redis: { url: 'redis://cache.internal:6379' } });

      // Assess
      plain.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ REDIS_URL: 'redis://cache.internal:6379' }) },
      });
    });
  });

  it('outputs the API URL and the table names', () => {
    // Assess
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(
      ['AgentsTableName', 'ApiUrl', 'HistoryTableName', 'PoliciesTableName', 'StateTableName'],
    );
  });

  it('is environment-agnostic (no account or region baked in)', () => {
    // Assess
    expect(Token.isUnresolved(stack.account)).toBe(true);
    expect(Token.isUnresolved(stack.region)).toBe(true);
    expect(JSON.stringify(template.toJSON())).not.toMatch(/\b\d{12}\b/);
  });
});

/** A CloudWatch "Alarm State Change" event as EventBridge delivers it. */
function alarmEvent(alarmName: string, state: string): Record<string, unknown> {
  return {
    version: '0',
    id: 'c4c1c1c9-6542-e61b-6ef0-8c4d36933a92',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '123456789012',
    time: '2026-11-23T12:00:00Z',
    region: 'us-east-1',
    resources: [`arn:aws:cloudwatch:us-east-1:123456789012:alarm:${alarmName}`],
    detail: { alarmName, state: { value: state, reason: 'test' }, previousState: { value: 'OK' } },
  };
}

/**
 * EventBridge's matching for the pattern forms poolscale's rules use: a list of literal
 * values (one must equal the field), `{ prefix }`, and nested objects; every key must match.
 */
function matchesEventPattern(pattern: unknown, value: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((option) => {
      if (option !== null && typeof option === 'object' && 'prefix' in option) {
        return typeof value === 'string' && value.startsWith(String((option as { prefix: string }).prefix));
      }
      return option === value;
    });
  }
  if (pattern === null || typeof pattern !== 'object') throw new Error(`unsupported pattern ${JSON.stringify(pattern)}`);
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(pattern).every(([key, sub]) => matchesEventPattern(sub, (value as Record<string, unknown>)[key]));
}

describe('Function: redisDriversOf', () => {
  it.each([
    { case: 'no Redis', redis: undefined, drivers: [] },
    { case: 'a plain redis:// URL', redis: { url: 'redis://cache:6379' }, drivers: ['tcp'] },
    { case: 'a secret that does not say', redis: { secretArn: 'arn:aws:secretsmanager:us-east-1:1:secret:r-AbCdEf' }, drivers: ['tcp', 'rest'] },
    { case: 'a parameter naming Upstash', redis: { ssmParameterName: '/p', drivers: ['rest'] as const }, drivers: ['rest'] },
  ])('bundles $drivers for $case', ({ redis, drivers }) => {
    expect(redisDriversOf(redis)).toEqual(drivers);
  });

  it.each([
    { case: 'an empty list', drivers: [] },
    { case: 'an unknown driver', drivers: ['memcached'] },
  ])('refuses $case of redis.drivers, naming the field', ({ drivers }) => {
    expect(() => buildStack({ redis: { createSecret: true, drivers: drivers as never } })).toThrow(/redis\.drivers/);
  });
});

describe('Construct: Poolscale, historyHeartbeat', () => {
  it('passes HISTORY_HEARTBEAT to every function', () => {
    // Act
    const { template } = buildStack({ historyHeartbeat: 'off' });

    // Assess
    for (const service of ['poolscale-evaluate', 'poolscale-api', 'poolscale-relay']) {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: service, HISTORY_HEARTBEAT: 'off' }) },
      });
    }
  });

  it('refuses a value the functions would refuse, naming the field', () => {
    expect(() => buildStack({ historyHeartbeat: 'sometimes' })).toThrow(/historyHeartbeat/);
  });
});
