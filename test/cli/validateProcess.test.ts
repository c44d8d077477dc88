/**
 * `poolscale validate` as a process, on the configs of issue 11: it warns about settings that
 * cannot work (item 8) and refuses, by field, what no store can hold (item 7), which
 * `validate` used to pass and the API then answered with a 500.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../bin/poolscale.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'poolscale-validate-process-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function validate(name: string, text: string): Promise<{ code: number; out: string }> {
  const path = join(dir, name);
  writeFileSync(path, text);
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'validate', path], { timeout: 60_000 });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '' };
  }
}

describe('Process: poolscale validate', () => {
  it('warns about a never-firing cron, a 0s window, a 1ms interval and max 1e12, and still passes', async () => {
    // Act
    const { code, out } = await validate(
      'odd.yaml',
      `pools:
  - id: odd
    target: { kind: none }
    min: 1
    max: 1e12
    interval: 1ms
    metrics: { busy: { source: static, value: 1 } }
    rules:
      - { type: buffer, minFree: 1, batch: 1 }
      - type: schedule
        windows:
          - { cron: "0 0 30 2 *", min: 3 }
          - { cron: "0 9 * * *", duration: 0s, min: 2 }
`,
    );

    // Assess
    expect(code, out).toBe(0);
    expect(out).toContain('OK: 1 pool(s)');
    expect(out).toMatch(/warning: pools\[0\]\.rules\[1\]\.windows\[0\]\.cron: Cron "0 0 30 2 \*" never fires/);
    expect(out).toMatch(/warning: pools\[0\]\.rules\[1\]\.windows\[1\]\.duration: A window of 0s/);
    expect(out).toMatch(/warning: pools\[0\]\.interval: interval "1ms" is under one second/);
    expect(out).toMatch(/warning: pools\[0\]\.max: max 1000000000000 is beyond any plausible pool/);
  }, 90_000);

  it('refuses a metric named constructor and a duration of 999999999d, naming each field (exit 1)', async () => {
    // Act
    const { code, out } = await validate(
      'hostile.yaml',
      `pools:
  - id: hostile
    target: { kind: none }
    min: 1
    max: 3
    staleAfter: 999999999d
    metrics:
      constructor: { source: static, value: 1 }
    rules: [{ type: buffer, busyMetric: constructor, minFree: 1, batch: 1 }]
`,
    );

    // Assess
    expect(code, out).toBe(1);
    expect(out).toMatch(/error: pools\[0\]\.metrics\.constructor: Metric name "constructor" is reserved/);
    expect(out).toMatch(/error: pools\[0\]\.rules\[0\]\.busyMetric: Metric name "constructor" is reserved/);
    expect(out).toMatch(/error: pools\[0\]\.staleAfter: Expected a duration of at most 365d/);
  }, 90_000);
});
