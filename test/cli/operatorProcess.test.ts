/**
 * The operator commands as users run them: `node bin/poolscale.js ...` as a process against the
 * API router served over HTTP. A failed manual scale exits non-zero (issue 10, item 8), resume
 * keeps a manual override unless asked (issue 11, item 3), apply does not overwrite a pool
 * changed after its difference was read (issue 11, item 5), and status says which metrics the
 * last decision could not read and why (issue 10, item 3).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApiRequest } from '../../shared/api';
import { putPolicy } from '../../shared/runtime/operations';
import { initialState, type Decision } from '../../shared/domain/types';
import { policy } from '../api/support';
import { botsApiDeps, startApiServer, type ApiServer } from '../support/apiServer';

const CLI = fileURLToPath(new URL('../../bin/poolscale.js', import.meta.url));
const run = promisify(execFile);

interface Result {
  code: number;
  out: string;
  err: string;
}

describe('Process: poolscale status, scale, resume, apply', () => {
  let dir: string;
  let server: ApiServer | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'poolscale-operator-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  function setup(beforeAnswer?: (request: ApiRequest) => Promise<void>) {
    const { deps, target } = botsApiDeps();
    return { deps, target, start: async () => (server = await startApiServer(deps, beforeAnswer && ((request) => beforeAnswer(request)))) };
  }

  async function cli(...args: string[]): Promise<Result> {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, ...args, '--api', server!.url], { cwd: dir, env: { ...process.env, POOLSCALE_API: '' }, timeout: 60_000 });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
    }
  }

  it('scale: the target refusing the change prints the error and exits 1, not "manual desired count"', async () => {
    // Prepare
    const { target, start } = setup();
    await start();
    target.failures = 1;

    // Act
    const result = await cli('scale', 'bots', '6', '--reason', 'incident');

    // Assess
    expect(result.code).toBe(1);
    expect(result.out).not.toContain('manual desired count');
    expect(result.err).toContain('502');
    expect(result.err).toContain('ThrottlingException: Rate exceeded');
  }, 90_000);

  it('scale: a paused pool prints the 409 and exits 1; resume keeps the override, --clear-manual ends it', async () => {
    // Prepare
    const { deps, start } = setup();
    await start();
    await cli('pause', 'bots', '--reason', 'maintenance');

    // Act
    const scaled = await cli('scale', 'bots', '6', '--reason', 'incident');
    const resumed = await cli('resume', 'bots');
    const cleared = await cli('resume', 'bots', '--clear-manual');

    // Assess
    expect(scaled.code).toBe(1);
    expect(scaled.err).toMatch(/409 .*paused/);
    expect(resumed).toMatchObject({ code: 0 });
    expect(resumed.out.trim()).toBe('bots: resumed; manual override to 6 stays in force (--clear-manual ends it)');
    expect(cleared.out.trim()).toBe('bots: was not paused; manual override cleared');
    expect((await deps.states.get('bots'))?.manual).toBeUndefined();
  }, 120_000);

  it('status shows the metrics the last decision could not read, with source, class and message', async () => {
    // Prepare
    const { deps, start } = setup();
    const decision: Decision = {
      poolId: 'bots',
      at: Date.parse('2026-11-27T08:00:00Z'),
      current: 2,
      desired: 2,
      action: 'none',
      dryRun: false,
      reasons: [{ code: 'data.missing', message: 'no fresh busy: holding 2' }],
      proposals: [],
      metricErrors: [{ metric: 'busy', source: 'redis', errorClass: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:6379' }],
    };
    await deps.states.put({ ...initialState('bots'), version: 1, desired: 2, lastDecision: decision }, 0);
    await start();

    // Act
    const list = await cli('status');
    const detail = await cli('status', 'bots');

    // Assess
    expect(list.code).toBe(0);
    expect(list.out).toContain('bots: metrics not read in the last decision:');
    expect(list.out).toContain('busy (redis): ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:6379');
    expect(detail.code).toBe(0);
    expect(detail.out).toContain('no fresh busy: holding 2');
    expect(detail.out).toContain('metrics not read:\n  - busy (redis): ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:6379');
  }, 90_000);

  it('apply does not overwrite a pool someone changed after the difference was read: exit 1, their change kept', async () => {
    // Prepare: another writer changes `bots` right after apply has read it.
    let raced = false;
    const { deps, start } = setup(async (request) => {
      if (raced || request.method !== 'GET' || request.path !== '/pools/bots') return;
      raced = true;
      await putPolicy(deps, { ...policy({ id: 'bots', min: 1, max: 20 }), max: 77, interval: '1m', staleAfter: '5m' });
    });
    await start();
    const file = join(dir, 'pools.yaml');
    writeFileSync(file, 'pools:\n  - id: bots\n    target: { kind: none }\n    min: 1\n    max: 30\n    metrics: { busy: { source: static, value: 2 } }\n');

    // Act
    const result = await cli('apply', file);

    // Assess
    expect(raced).toBe(true);
    expect(result.code).toBe(1);
    expect(result.err).toContain('pool bots changed since the difference above was read');
    expect((await deps.policies.get('bots'))?.max).toBe(77);
    const put = server!.requests.find((request) => request.method === 'PUT');
    expect(put?.headers['if-match']).toMatch(/^"[\w-]+"$/);
  }, 90_000);

  it('apply creates a new pool with If-None-Match: *', async () => {
    // Prepare
    const { deps, start } = setup();
    await start();
    const file = join(dir, 'new.yaml');
    writeFileSync(file, 'pools:\n  - id: fresh\n    target: { kind: none }\n    min: 0\n    max: 3\n');

    // Act
    const result = await cli('apply', file);

    // Assess
    expect(result.code, result.err).toBe(0);
    expect(await deps.policies.get('fresh')).toBeDefined();
    expect(server!.requests.find((request) => request.method === 'PUT')?.headers['if-none-match']).toBe('*');
  }, 90_000);
});
