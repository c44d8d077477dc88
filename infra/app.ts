import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PoolscaleStack } from './PoolscaleStack';
import { propsFromContext } from './propsFromContext';

// Environment-agnostic on purpose: no account/region lookups, so synth works offline.
const app = new App();
new PoolscaleStack(app, 'Poolscale', { poolscale: propsFromContext(app.node) });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
app.synth();
