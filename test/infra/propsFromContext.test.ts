import { App, RemovalPolicy } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { parseEcsServices, propsFromContext } from '../../infra/propsFromContext';

describe('Function: parseEcsServices', () => {
  it.each([
    { case: 'one service', input: 'bots/bot-pool', expected: [{ cluster: 'bots', service: 'bot-pool' }] },
    {
      case: 'several with spaces',
      input: ' bots/bot-pool , workers/celery ',
      expected: [
        { cluster: 'bots', service: 'bot-pool' },
        { cluster: 'workers', service: 'celery' },
      ],
    },
    { case: 'an empty list', input: ' , ', expected: [] },
    // Kept so that validation can name the bad entry instead of silently dropping it.
    { case: 'a service without cluster', input: 'bot-pool', expected: [{ cluster: '', service: 'bot-pool' }] },
    {
      case: 'a service in another region',
      input: 'bots/bot-pool,eu-west-1:workers/celery',
      expected: [
        { cluster: 'bots', service: 'bot-pool' },
        { cluster: 'workers', service: 'celery', region: 'eu-west-1' },
      ],
    },
  ])('reads $case', ({ input, expected }) => {
    // Act
    const services = parseEcsServices(input);

    // Assess
    expect(services).toEqual(expected);
  });
});

describe('Function: propsFromContext', () => {
  it('gives empty props with no context, so a bare synth works', () => {
    // Act
    const props = propsFromContext(new App().node);

    // Assess
    expect(props).toEqual({});
  });

  it.each([
    { case: 'a secret ARN', context: { redisSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:r-AbC123' }, redis: { secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:r-AbC123' } },
    { case: 'an SSM parameter', context: { redisSsmParameter: '/poolscale/redis' }, redis: { ssmParameterName: '/poolscale/redis' } },
    { case: 'a plain URL', context: { redisUrl: 'redis://cache:6379' }, redis: { url: 'redis://cache:6379' } },
    { case: 'a secret to create', context: { createRedisSecret: 'true' }, redis: { createSecret: true } },
    { case: 'a secret ARN and its driver', context: { redisSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:r-AbC123', redisDrivers: 'rest' }, redis: { secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:r-AbC123', drivers: ['rest'] } },
    { case: 'an SSM parameter and both drivers', context: { redisSsmParameter: '/p', redisDrivers: 'tcp, rest' }, redis: { ssmParameterName: '/p', drivers: ['tcp', 'rest'] } },
    { case: 'a secret ARN and its KMS key', context: { redisSecretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:r-AbC123', redisKmsKeyArn: 'arn:aws:kms:eu-west-1:1:key/k' }, redis: { secretArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:r-AbC123', kmsKeyArn: 'arn:aws:kms:eu-west-1:1:key/k' } },
  ])('reads Redis from $case', ({ context, redis }) => {
    // Act
    const props = propsFromContext(new App({ context }).node);

    // Assess
    expect(props.redis).toEqual(redis);
  });

  it.each([
    {
      case: 'a VPC, its subnets and security groups',
      context: { vpcId: 'vpc-0123456789abcdef0', vpcSubnetIds: 'subnet-0123456789abcdef1, subnet-0123456789abcdef2', vpcSecurityGroupIds: 'sg-0123456789abcdef3' },
      vpcIds: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'], securityGroupIds: ['sg-0123456789abcdef3'] },
    },
    { case: 'subnets without the VPC (kept for validation to name)', context: { vpcSubnetIds: 'subnet-0123456789abcdef1' }, vpcIds: { vpcId: '', subnetIds: ['subnet-0123456789abcdef1'] } },
    { case: 'nothing', context: {}, vpcIds: undefined },
  ])('reads the VPC placement from $case', ({ context, vpcIds }) => {
    expect(propsFromContext(new App({ context }).node).vpcIds).toEqual(vpcIds);
  });

  it('reads every other setting', () => {
    // Prepare
    const context = {
      ecsServices: 'bots/bot-pool',
      schedule: 'rate(2 minutes)',
      alarmPrefix: 'scale-',
      historyTtlDays: '7',
      destroyOnRemoval: 'true',
    };

    // Act
    const props = propsFromContext(new App({ context }).node);

    // Assess
    expect(props).toEqual({
      ecsServices: [{ cluster: 'bots', service: 'bot-pool' }],
      scheduleExpression: 'rate(2 minutes)',
      alarmPrefix: 'scale-',
      historyTtlDays: 7,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  });
});
