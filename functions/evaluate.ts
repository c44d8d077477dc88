/**
 * Lambda entry: EventBridge schedule and CloudWatch alarm state changes -> one runtime tick.
 * Thin on purpose; the logic is in lib/createEvaluateHandler and shared/runtime.
 */
import { createEvaluateHandler } from './lib/createEvaluateHandler';
import { lambdaDeps, logger, metrics } from './lib/lambdaDeps';

export { createEvaluateHandler, type EvaluateHandlerDeps, type EvaluateSummary } from './lib/createEvaluateHandler';

export const handler = createEvaluateHandler({
  runtime: async () => (await lambdaDeps()).runtime,
  logger,
  metrics,
  ...(process.env.ALARM_PREFIX !== undefined ? { alarmPrefix: process.env.ALARM_PREFIX } : {}),
});
