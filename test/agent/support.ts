import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The suite's one polling helper (test/support/waitFor.ts), re-exported for the agent tests. */
export { GiveUp, waitFor } from '../support/waitFor';

export function tempDir(prefix = 'poolscale-agent-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** True while `pid` exists and is not a zombie. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) [ZX]/s.test(stat);
  } catch {
    return false;
  }
}

/** Kills leftover worker process groups at the end of a test (they run detached). */
export function killGroups(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

export const FIXTURE_WORKER = join(import.meta.dirname, '..', 'fixtures', 'worker.mjs');

/**
 * GET a JSON document from the agent's status port. Retries a request that failed on the
 * wire: on a loaded machine the server may close an idle keep-alive connection just as the
 * next request reuses it ("other side closed").
 */
export async function getJson<T>(url: string, { attempts = 3, timeoutMs = 3_000 } = {}): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
      return (await response.json()) as T;
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
