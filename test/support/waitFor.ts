/**
 * The one polling helper of the test suite: wait for a condition with a deadline, never a fixed
 * sleep (robust on a loaded machine, and still fails when the condition never holds).
 */
import { inspect } from 'node:util';

/** Values that mean "not yet": the probe is polled again. */
type NotYet = undefined | null | false | 0 | '';

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Pause between two polls (default 50 ms). */
  everyMs?: number;
}

/**
 * Thrown by a probe to stop waiting at once (e.g. the process being waited on has exited):
 * waitFor rethrows it instead of polling on until the deadline.
 */
export class GiveUp extends Error {
  override name = 'GiveUp';
}

const show = (value: unknown): string =>
  value instanceof Error ? `${value.name}: ${value.message}` : inspect(value, { depth: 3, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 2_000 });

/**
 * Polls `probe` until it returns a truthy value, and resolves to that value. A probe that throws
 * is polled again (the error is kept for the timeout message), unless it throws a `GiveUp`.
 * After the deadline it throws an error naming `what`, how long it waited and the last value or
 * error the probe gave.
 *
 * The third argument is the options, or (shorthand) the timeout in milliseconds.
 */
export async function waitFor<T>(what: string, probe: () => T | Promise<T>, options: WaitOptions | number = {}): Promise<Exclude<T, NotYet>> {
  const { timeoutMs = 30_000, everyMs = 50 } = typeof options === 'number' ? { timeoutMs: options } : options;
  const started = Date.now();
  const deadline = started + timeoutMs;
  let last: { value: unknown } | { error: unknown } | undefined;
  let lastError: unknown;
  let polls = 0;
  for (;;) {
    polls++;
    try {
      const value = await probe();
      if (value) return value as Exclude<T, NotYet>;
      last = { value };
    } catch (error) {
      if (error instanceof GiveUp) throw new Error(`gave up waiting for ${what}: ${error.message}`, { cause: error });
      last = { error };
      lastError = error;
    }
    if (Date.now() >= deadline) {
      let seen = last && 'error' in last ? `last error: ${show(last.error)}` : `last value: ${show(last?.value)}`;
      if (last && 'value' in last && lastError !== undefined) seen += `; last error before that: ${show(lastError)}`;
      throw new Error(`timed out after ${((Date.now() - started) / 1000).toFixed(1)} s waiting for ${what} (${polls} polls, ${seen})`, { cause: lastError });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(everyMs, deadline - Date.now()))));
  }
}
