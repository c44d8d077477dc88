import type { Context } from 'aws-lambda';

/**
 * The slice of Powertools' Logger the handlers use, so tests can pass a recording logger and
 * the runtime (which wants `info/warn/error(message, extra)`) can take the same object.
 */
export interface FunctionLogger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
  addContext?(context: Context): void;
}

/** Powertools Metrics' flush, called once per invocation. */
export interface MetricsFlusher {
  publishStoredMetrics(): void;
}
