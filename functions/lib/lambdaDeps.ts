/**
 * Per-container singletons of the Lambda entry points: the Powertools logger and metrics, and
 * the real deps, built on the first invocation (not at import: the cold start stays short and
 * a missing secret fails an invocation with a log line instead of the whole init).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { CloudWatchMetricSource } from '../../shared/adapters/cloudwatch';
import { createDecisionMetrics, recordDecision } from '../../shared/adapters/emf/decisionMetrics';
import { buildDeps, type FunctionDeps } from './deps';
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

export const lambdaDeps: () => Promise<FunctionDeps> = once(() =>
  buildDeps(process.env, {
    logger,
    extraMetricSources: [new CloudWatchMetricSource()],
    // One EMF line per decision: a line carries one PoolId dimension value.
    onDecision: (decision, _policy, status) => {
      recordDecision(decisionMetrics, decision, status);
      decisionMetrics.publishStoredMetrics();
    },
  }),
);
