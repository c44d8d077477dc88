/**
 * Per-container singletons of the Lambda entry points: the Powertools logger and metrics, and
 * the real deps, built on the first invocation (not at import: the cold start stays short and
 * a missing secret fails an invocation with a log line instead of the whole init). The
 * composition root itself (./deps, with the DynamoDB stores and everything they import) is a
 * dynamic import, a chunk of its own in the bundle, loaded by that first invocation.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { createDecisionMetrics, recordDecision } from '../../shared/adapters/emf/decisionMetrics';
import type { FunctionDeps } from './deps';
import type { MetricsFlusher } from './FunctionLogger';
import { once } from './once';
import { powertoolsLogger } from './powertoolsLogger';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'poolscale';

export const logger = powertoolsLogger(new Logger({ serviceName }));

const decisionMetrics = createDecisionMetrics(serviceName);

/** Flushes what is left at the end of an invocation; silent when nothing was recorded. */
export const metrics: MetricsFlusher = {
  publishStoredMetrics: () => {
    if (decisionMetrics.hasStoredMetrics()) decisionMetrics.publishStoredMetrics();
  },
};

export const lambdaDeps: () => Promise<FunctionDeps> = once(async () =>
  (await import('./deps')).buildDeps(process.env, {
    logger,
    // One EMF line per decision: a line carries one PoolId dimension value.
    onDecision: (decision, _policy, status) => {
      recordDecision(decisionMetrics, decision, status);
      decisionMetrics.publishStoredMetrics();
    },
  }),
);
