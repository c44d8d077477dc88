import type { Policy } from '../domain/policy';
import { formatDuration } from '../domain/duration';
import { humanDuration } from '../domain/humanFormat';
import { redactSecrets } from '../domain/metricErrors';
import type { MetricError, Observations, SamplePoint } from '../domain/types';
import { isSample } from '../domain/types';

/** Hard bound on remembered samples, whatever the tick rate (alarms can trigger extra ticks). */
export const MAX_SAMPLES = 1_000;

/** How far back rules look: the longest sustained/average window, plus one interval of slack. */
export function sampleRetention(policy: Policy): number {
  let longest = 0;
  for (const rule of policy.rules) {
    if (rule.type === 'steps') longest = Math.max(longest, rule.upFor, rule.downFor);
    else if (rule.type === 'target') longest = Math.max(longest, rule.window);
  }
  return longest + policy.interval;
}

/** Fresh metric values of this tick: failed readings and samples older than `staleAfter` are left out. */
export function freshValues(policy: Policy, observations: Observations, now: number): Record<string, number> {
  const values: Record<string, number> = {};
  for (const name in observations.metrics) {
    const reading = observations.metrics[name];
    if (isSample(reading) && Number.isFinite(reading.value) && now - reading.at <= policy.staleAfter) {
      values[name] = reading.value;
    }
  }
  return values;
}

/**
 * Why each metric of this tick has no fresh value (the ones `freshValues` left out): the
 * source's failure with its class, `stale` with the datapoint's age, or `invalid` for a value
 * that is not a finite number. Undefined when every metric is fresh (the common, allocation-free path).
 */
export function metricErrors(
  policy: Policy,
  observations: Observations,
  fresh: Readonly<Record<string, number>>,
  now: number,
): MetricError[] | undefined {
  let errors: MetricError[] | undefined;
  for (const metric in observations.metrics) {
    if (metric in fresh) continue;
    const reading = observations.metrics[metric]!;
    const source = ('source' in reading ? reading.source : undefined) ?? policy.metrics[metric]?.source ?? 'unknown';
    let error: MetricError;
    if (!isSample(reading)) {
      error = { metric, source, errorClass: reading.errorClass ?? 'Error', message: redactSecrets(reading.error) };
    } else if (!Number.isFinite(reading.value)) {
      error = { metric, source, errorClass: 'invalid', message: `value ${String(reading.value)} is not a finite number` };
    } else {
      const age = now - reading.at;
      error = {
        metric,
        source,
        errorClass: 'stale',
        message: `stale: last datapoint ${humanDuration(Math.max(0, age), 'up')} ago (staleAfter ${formatDuration(policy.staleAfter)})`,
      };
    }
    (errors ??= []).push(error);
  }
  return errors;
}

/** A class worth showing beside the message: a system or Redis code, an SDK exception name. */
const EXTERNAL_CLASS = /^[A-Z][A-Z0-9_]{2,}$|.(?:Exception|Error)$/;

/**
 * `source: message` of one metric error, for reasons; an external error class (`ECONNREFUSED`,
 * `AccessDeniedException`) the message does not already name goes before it.
 */
export function describeMetricError(error: MetricError): string {
  const named = !EXTERNAL_CLASS.test(error.errorClass) || error.message.includes(error.errorClass);
  const message = named ? error.message : `${error.errorClass} ${error.message}`;
  return `${error.source}: ${message}`;
}

/** Appends this tick's point (replacing one at the same instant) and trims to the retention window. */
export function recordSample(samples: readonly SamplePoint[], point: SamplePoint, retention: number): SamplePoint[] {
  const cutoff = point.t - retention;
  const kept: SamplePoint[] = [];
  for (const sample of samples) {
    // Samples from the future (clock moved back) or the same instant would break window maths.
    if (sample.t >= cutoff && sample.t < point.t) kept.push(sample);
  }
  kept.push(point);
  return kept.length > MAX_SAMPLES ? kept.slice(kept.length - MAX_SAMPLES) : kept;
}

/**
 * Values of `metric` covering the last `windowMs`: the samples inside the window plus the
 * newest one at or before its start (which proves the window is covered). Returns undefined
 * when the window is not covered, a sample lacks the metric, or two samples are further apart
 * than `maxGap` (the run was interrupted).
 */
export function sustainedValues(
  samples: readonly SamplePoint[],
  metric: string,
  now: number,
  windowMs: number,
  maxGap: number,
): number[] | undefined {
  const start = now - windowMs;
  const values: number[] = [];
  let newer: number | undefined;
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i]!;
    const value = sample.values[metric];
    if (value === undefined) return undefined;
    if (newer !== undefined && newer - sample.t > maxGap) return undefined;
    values.push(value);
    if (sample.t <= start) return values;
    newer = sample.t;
  }
  return undefined;
}

/** Average of `metric` over samples within the last `windowMs` (latest only when 0). */
export function windowAverage(samples: readonly SamplePoint[], metric: string, now: number, windowMs: number): number | undefined {
  let sum = 0;
  let n = 0;
  for (let i = samples.length - 1; i >= 0; i--) {
    const sample = samples[i]!;
    if (now - sample.t > windowMs && n > 0) break;
    const value = sample.values[metric];
    if (value === undefined) continue;
    sum += value;
    n++;
    if (windowMs <= 0) break;
  }
  return n === 0 ? undefined : sum / n;
}
