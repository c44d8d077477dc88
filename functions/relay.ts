/**
 * Lambda entry: agents' signed heartbeats through API Gateway -> the relay core (shared/relay).
 */
import { createRelayFunctionHandler } from './lib/createRelayFunctionHandler';
import { lambdaDeps, logger, metrics } from './lib/lambdaDeps';

export { createRelayFunctionHandler, type RelayFunctionDeps } from './lib/createRelayFunctionHandler';

export const handler = createRelayFunctionHandler({
  relay: async () => (await lambdaDeps()).relay,
  logger,
  metrics,
});
