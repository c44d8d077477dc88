import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { AttributeType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { PoolscaleStack } from '../../infra/PoolscaleStack';
import { CDK_JSON_CONTEXT, FIXTURE_FUNCTIONS_DIR } from './support';

interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: { ruleName: string; severity: string; violatingConstructs: { constructPath: string }[] }[];
  }[];
}

/**
 * Synthesizes with cdk-nag's AwsSolutions pack (v3: a CDK policy-validation plugin) and returns
 * the thrown error, if any, and the validation report CDK writes into the cloud assembly.
 */
function synthWithNag(build: (app: App) => void): { error?: Error; violations: string[] } {
  const app = new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  let error: Error | undefined;
  try {
    app.synth();
  } catch (caught) {
    error = caught as Error;
  }
  const report = JSON.parse(
    readFileSync(path.join(app.outdir, 'validation-report.json'), 'utf8'),
  ) as ValidationReport;
  rmSync(app.outdir, { recursive: true, force: true });
  const violations = report.pluginReports
    .filter((plugin) => plugin.pluginName === 'AwsSolutions')
    .flatMap((plugin) => plugin.violations)
    .flatMap((violation) =>
      violation.violatingConstructs.map((c) => `${violation.severity} ${violation.ruleName} at ${c.constructPath}`),
    );
  return { ...(error ? { error } : {}), violations };
}

// Each case synthesizes a whole app; on a shared 2-core machine that can exceed the default 30 s.
describe('cdk-nag: AwsSolutions', { timeout: 180_000 }, () => {
  it.each([
    { case: 'defaults (no ECS services, no Redis)', props: {} },
    {
      case: 'ECS services and a created Redis secret',
      props: { ecsServices: [{ cluster: 'bots', service: 'bot-pool' }, { cluster: 'workers', service: 'celery' }], redis: { createSecret: true as const } },
    },
    { case: 'an SSM SecureString for Redis', props: { redis: { ssmParameterName: '/poolscale/redis' } } },
    {
      case: 'an ECS service of another region, a Redis secret under a customer-managed key, the functions in a VPC',
      props: {
        ecsServices: [{ cluster: 'workers', service: 'celery', region: 'eu-west-1' }],
        vpcIds: { vpcId: 'vpc-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2'] },
        redis: {
          secretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:poolscale/redis-AbC123',
          kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        },
      },
    },
  ])('reports no unacknowledged error or warning with $case', ({ props }) => {
    // Act
    const { error, violations } = synthWithNag((app) => {
      new PoolscaleStack(app, 'Poolscale', { poolscale: { functionsDir: FIXTURE_FUNCTIONS_DIR, ...props } });
    });

    // Assess
    expect(violations).toEqual([]);
    expect(error).toBeUndefined();
  });

  it('reports unacknowledged findings and fails synthesis on errors (the pack is really running)', () => {
    // Act
    const { error, violations } = synthWithNag((app) => {
      const stack = new Stack(app, 'Careless');
      new Table(stack, 'NoBackups', { partitionKey: { name: 'id', type: AttributeType.STRING } });
      new Bucket(stack, 'NoAccessLogs');
    });

    // Assess
    expect(violations).toContain('warning AwsSolutions-DDB3 at Careless/NoBackups/Resource');
    expect(violations).toContain('error AwsSolutions-S1 at Careless/NoAccessLogs/Resource');
    expect(error?.message).toMatch(/ERROR .*\n.*Careless\/NoAccessLogs.*\n.*AwsSolutions-S1/);
  });
});
