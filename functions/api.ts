/**
 * Lambda entry: API Gateway HTTP API (v2, IAM auth) -> the shared router (shared/api).
 */
import { createApiHandler } from './lib/createApiHandler';
import { lambdaDeps, logger, metrics } from './lib/lambdaDeps';
import { once } from './lib/once';

/** The runtime deps plus the agent store (host routes), built once per container. */
const apiDeps = once(async () => {
  const deps = await lambdaDeps();
  return { ...deps.runtime, agents: deps.agents };
});

export { createApiHandler, type ApiHandlerDeps } from './lib/createApiHandler';

export const handler = createApiHandler({
  runtime: apiDeps,
  logger,
  metrics,
});
