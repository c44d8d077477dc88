import path from 'node:path';
import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Policy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Code, Function as LambdaFunction, Runtime, Tracing, type FunctionOptions } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IStringParameter } from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { bundleFunctionSync, REDIS_DRIVERS, type RedisDriver } from './bundling/bundleFunction';

export type TableAccess = 'read' | 'write' | 'readWrite';

/** One ECS service the evaluator may scale, named by cluster and service. */
export interface EcsServiceRef {
  cluster: string;
  service: string;
  /** The service's region, when it is not the stack's (a pool's `target.region`). @default the stack's region */
  region?: string;
}

export interface PoolscaleFunctionProps extends Omit<FunctionOptions, 'runtime' | 'architecture' | 'role' | 'logGroup'> {
  /** Path of the handler file; infra never imports handlers, it only bundles them. */
  entry: string;
  /** Powertools service name (logs, metrics, traces). */
  serviceName: string;
  /** @default RetentionDays.ONE_MONTH */
  logRetention?: RetentionDays;
  /** Applies to the log group. @default RemovalPolicy.RETAIN */
  removalPolicy?: RemovalPolicy;
  /** The Redis drivers bundled (see infra/bundling). @default both */
  redisDrivers?: readonly RedisDriver[];
}

/**
 * A Lambda function with the poolscale house defaults: Node.js 24 on arm64, X-Ray tracing,
 * a log group with retention, an ESM bundle built by the locally installed esbuild (no Docker)
 * with the settings of infra/bundling (code splitting, SDK external, what no path needs left
 * out), and its own role that starts with nothing but permission to write its own logs.
 *
 * Permissions are added only through the `bind*()` helpers, which set the environment variable
 * and the matching least-privilege grant together so they cannot drift apart.
 *
 * @example
 * const fn = new PoolscaleFunction(this, 'Evaluate', { entry: 'functions/evaluate.ts', serviceName: 'poolscale-evaluate' });
 * fn.bindTable(policies, 'read', 'POLICIES_TABLE');
 */
export class PoolscaleFunction extends LambdaFunction {
  constructor(scope: Construct, id: string, props: PoolscaleFunctionProps) {
    const { entry, serviceName, logRetention, removalPolicy, environment, redisDrivers, ...rest } = props;
    // Scope/ids are needed before super() to create the log group and role the function uses.
    const holder = new Construct(scope, `${id}Support`);
    const logGroup = new LogGroup(holder, 'LogGroup', {
      retention: logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: removalPolicy ?? RemovalPolicy.RETAIN,
    });
    // An explicit role avoids the AWS managed AWSLambdaBasicExecutionRole policy (which may
    // write to any log group) in favour of writing to this function's own log group only.
    const role = new Role(holder, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${serviceName}`,
    });
    logGroup.grantWrite(role);

    const drivers = [...(redisDrivers ?? REDIS_DRIVERS)];
    const code = Code.fromAsset(path.dirname(entry), {
      // The hash of what is deployed, so a change anywhere in the bundle (shared/, a dependency) redeploys.
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // Never used: local bundling always succeeds or fails loudly.
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs24.x'),
        // Not read by the local bundler, but part of CDK's asset cache key, which ignores the
        // tryBundle closure: without it every function of a stack (same source directory)
        // would get the first one's bundle.
        environment: { POOLSCALE_ENTRY: path.basename(entry), POOLSCALE_REDIS_DRIVERS: drivers.join(',') },
        local: {
          tryBundle(outputDir: string) {
            bundleFunctionSync({ entry, outdir: outputDir, redisDrivers: drivers });
            return true;
          },
        },
      },
    });

    super(scope, id, {
      memorySize: 512,
      timeout: Duration.seconds(30),
      ...rest,
      code,
      handler: 'index.handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      tracing: Tracing.ACTIVE,
      role,
      logGroup,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName,
        NODE_OPTIONS: '--enable-source-maps',
        ...environment,
      },
    });

    // In a VPC the function's network interfaces are created and deleted by Lambda with the
    // role's permissions; CDK adds them (a managed policy) only to a role it creates itself.
    if (rest.vpc) {
      const policy = new Policy(holder, 'VpcAccess', {
        statements: [
          new PolicyStatement({
            sid: 'ManageFunctionNetworkInterfaces',
            actions: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
            resources: ['*'],
          }),
        ],
      });
      role.attachInlinePolicy(policy);
      // Lambda checks the role when it creates the function: the policy must exist first.
      this.node.addDependency(policy);
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'The actions of AWSLambdaVPCAccessExecutionRole, which Lambda needs for the network interfaces of a function in a VPC; they take no narrower resource before the interface exists.',
      });
    }

    // Tracing.ACTIVE adds xray:PutTraceSegments/PutTelemetryRecords, which have no resource type.
    // Depending on @aws-cdk/aws-lambda:createNewPoliciesWithAddToRolePolicy they land in the
    // role's default policy or in a new inline policy; only those existing now are X-Ray's.
    const tracingPolicies = [
      role.node.tryFindChild('DefaultPolicy'),
      ...this.node.children.filter((child) => child.node.id.startsWith('inlinePolicyAddedToExecutionRole')),
    ];
    for (const policy of tracingPolicies) {
      if (!policy) continue;
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions; CDK adds them with Resource "*" for active tracing.',
      });
    }
  }

  /** Sets `envName` to the table name and grants exactly the requested access to that table. */
  public bindTable(table: ITable, access: TableAccess, envName: string): this {
    this.addEnvironment(envName, table.tableName);
    if (access === 'read') table.grantReadData(this);
    else if (access === 'write') table.grantWriteData(this);
    else table.grantReadWriteData(this);
    return this;
  }

  /** Sets `envName` to the secret ARN and grants read of that secret only. */
  public bindSecret(secret: ISecret, envName: string): this {
    this.addEnvironment(envName, secret.secretArn);
    secret.grantRead(this);
    return this;
  }

  /** Sets `envName` to the SSM parameter name and grants read of that parameter only. */
  public bindParameter(parameter: IStringParameter, envName: string): this {
    this.addEnvironment(envName, parameter.parameterName);
    parameter.grantRead(this);
    return this;
  }

  /**
   * Allows describing and scaling exactly these ECS services, and protecting their busy tasks
   * from scale-in (list the running tasks, then UpdateTaskProtection). Never grants `ecs:*`.
   */
  public bindEcsServices(services: readonly EcsServiceRef[], options: { scale: boolean }): this {
    if (services.length === 0) return this;
    const stack = Stack.of(this);
    const at = (region: string | undefined) => (region ? { region } : {});
    const serviceArns = services.map((s) =>
      stack.formatArn({ service: 'ecs', resource: 'service', resourceName: `${s.cluster}/${s.service}`, ...at(s.region) }),
    );
    // One entry per cluster and region (a cluster's name is unique only within its region).
    const clusters = [...new Map(services.map((s) => [`${s.region ?? ''}:${s.cluster}`, { cluster: s.cluster, region: s.region }])).values()];
    const statements = [
      new PolicyStatement({ sid: 'DescribePoolServices', actions: ['ecs:DescribeServices'], resources: serviceArns }),
    ];
    if (options.scale) {
      statements.push(
        new PolicyStatement({ sid: 'ScalePoolServices', actions: ['ecs:UpdateService'], resources: serviceArns }),
        // ListTasks is authorized on container instances, not services: "*" narrowed by cluster.
        new PolicyStatement({
          sid: 'ListPoolTasks',
          actions: ['ecs:ListTasks'],
          resources: ['*'],
          conditions: {
            ArnEquals: {
              'ecs:cluster': clusters.map((c) => stack.formatArn({ service: 'ecs', resource: 'cluster', resourceName: c.cluster, ...at(c.region) })),
            },
          },
        }),
        new PolicyStatement({
          sid: 'ProtectPoolTasks',
          actions: ['ecs:UpdateTaskProtection'],
          resources: clusters.map((c) => stack.formatArn({ service: 'ecs', resource: 'task', resourceName: `${c.cluster}/*`, ...at(c.region) })),
        }),
      );
    }
    const policy = new Policy(this, 'EcsPolicy', { statements });
    this.role?.attachInlinePolicy(policy);
    if (options.scale) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecs:ListTasks has no service-level resource; the statement is limited by an ecs:cluster condition to the configured clusters.',
      });
      for (const c of clusters) {
        Validations.of(policy).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${c.region ?? '<AWS::Region>'}:<AWS::AccountId>:task/${c.cluster}/*]`,
          reason: `Task IDs are created by ECS at run time; UpdateTaskProtection is limited to tasks of the configured cluster "${c.cluster}".`,
        });
      }
    }
    return this;
  }

  /** Allows cloudwatch:GetMetricData, which has no resource-level permissions. */
  public bindMetricsRead(): this {
    const policy = new Policy(this, 'MetricsPolicy', {
      statements: [new PolicyStatement({ sid: 'ReadPoolMetrics', actions: ['cloudwatch:GetMetricData'], resources: ['*'] })],
    });
    this.role?.attachInlinePolicy(policy);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'cloudwatch:GetMetricData supports no resource-level permissions; it is read-only.',
    });
    return this;
  }
}
