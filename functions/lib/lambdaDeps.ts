/**
 * Per-container singletons of the Lambda entry points: the Powertools logger and metrics, and
 * the real deps, built on the first invocation (not at import: the cold start stays short and
 * a missing secret fails an invocation with a log line instead of the whole init).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { buildDeps, type FunctionDeps } from './deps';
import { once } from './once';
import { powertoolsLogger } from './powertoolsLogger';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'poolscale';

export const logger = powertoolsLogger(new Logger({ serviceName }));

export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'poolscale', serviceName });

export const lambdaDeps: () => Promise<FunctionDeps> = once(() => buildDeps(process.env, { logger }));
