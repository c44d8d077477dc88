/**
 * Lambda entry: API Gateway HTTP API (v2, IAM auth) -> the shared router (shared/api).
 */
import { createApiHandler } from './lib/createApiHandler';
import { lambdaDeps, logger, metrics } from './lib/lambdaDeps';

export { createApiHandler, type ApiHandlerDeps } from './lib/createApiHandler';

export const handler = createApiHandler({
  runtime: async () => (await lambdaDeps()).runtime,
  logger,
  metrics,
});
