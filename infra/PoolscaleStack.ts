import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Poolscale, type PoolscaleProps } from './Poolscale';

export interface PoolscaleStackProps extends StackProps {
  poolscale?: PoolscaleProps;
}

/** The deployable unit: one Poolscale in an environment-agnostic stack (no lookups). */
export class PoolscaleStack extends Stack {
  public readonly poolscale: Poolscale;

  constructor(scope: Construct, id: string, props: PoolscaleStackProps = {}) {
    const { poolscale, ...stackProps } = props;
    super(scope, id, { description: 'poolscale: autoscaler for ECS services and bare-metal worker pools', ...stackProps });
    this.poolscale = new Poolscale(this, 'Poolscale', poolscale);
    new CfnOutput(this, 'ApiUrl', { value: this.poolscale.httpApi.apiEndpoint, description: 'poolscale HTTP API base URL' });
    for (const [name, table] of Object.entries(this.poolscale.tables)) {
      new CfnOutput(this, `${name[0]!.toUpperCase()}${name.slice(1)}TableName`, { value: table.tableName });
    }
  }
}
