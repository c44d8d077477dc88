export { createEcsClientFactory, type EcsClientFactory } from './ecsClient';
export { isRetryable, toScaleTargetError } from './ecsErrors';
export { EcsScaleTarget, type EcsScaleTargetOptions } from './EcsScaleTarget';
