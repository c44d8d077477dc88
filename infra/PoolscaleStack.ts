import { Stack, type StackProps } from 'aws-cdk-lib';
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
  }
}
