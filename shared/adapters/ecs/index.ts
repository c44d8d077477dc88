export { createEcsClientFactory, type EcsClientFactory } from './ecsClient';
export { isRetryable, toScaleTargetError } from './ecsErrors';
export { EcsScaleTarget, type EcsRetryOptions, type EcsScaleTargetOptions } from './EcsScaleTarget';
