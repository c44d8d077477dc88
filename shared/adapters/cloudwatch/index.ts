export { createCloudWatchClientFactory, type CloudWatchClientFactory } from './cloudWatchClient';
export { CloudWatchMetricSource, MAX_QUERIES_PER_CALL, type CloudWatchMetricSourceOptions } from './CloudWatchMetricSource';
export { ecsTargetResolver } from './ecsTargetResolver';
