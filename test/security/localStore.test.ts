/**
 * Issue 11, findings 4, 5 (restart part) and 8 (terminal output), on `poolscale up` as a
 * process with a data folder:
 * - the embedded store listens on no TCP port (only the API does), over a Unix socket in a
 *   0700 folder; the data folder is 0700 and its files 0600, the token file included;
 * - a restart keeps the API's changes (a changed pool stays changed, a deleted one stays
 *   deleted); `--apply` prints the diff and writes the file back;
 * - escape sequences in a scale reason never reach the terminal.
 */
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type UpProcess, listeningTcpPorts, startUp, waitFor } from './upProcess';

const CONFIG = `pools:
  - id: bots
    target: { kind: none }
    min: 2
    max: 20
    interval: 1s
    metrics: { busy: { source: static, value: 2 } }
    rules: [{ type: buffer, minFree: 3, batch: 5 }]
  - id: other
    target: { kind: none }
    min: 1
    max: 5
    interval: 1s
    metrics: { busy: { source: static, value: 1 } }
    rules: [{ type: buffer, minFree: 1, batch: 1 }]
`;

function modes(dir: string): { path: string; mode: number; directory: boolean }[] {
  const found: { path: string; mode: number; directory: boolean }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const stat = lstatSync(path);
    found.push({ path, mode: stat.mode & 0o777, directory: stat.isDirectory() });
    if (stat.isDirectory()) found.push(...modes(path));
  }
  return found;
}

/** Unix sockets the process listens on (paths from /proc/net/unix whose inode is one of its fds). */
function unixSocketPaths(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
      } catch {
        return [];
      }
    }),
  );
  return readFileSync('/proc/net/unix', 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((row) => row.trim().split(/\s+/))
    // Flags 00010000: a listening socket (the connected ones carry the path too).
    .filter((cells) => inodes.has(cells[6]!) && cells[3] === '00010000' && cells[7])
    .map((cells) => cells[7]!);
}

describe('Security: `poolscale up` data folder and embedded store', () => {
  let dir: string;
  let data: string;
  let up: UpProcess | undefined;
  const start = async (...extra: string[]) => {
    up = await startUp(['--config', join(dir, 'pools.yaml'), '--data', data, '--tick', '0.2', ...extra], { cwd: dir, env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    return up;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'poolscale-store-test-'));
    data = join(dir, 'state', 'data');
    writeFileSync(join(dir, 'pools.yaml'), CONFIG);
  });
  afterAll(async () => {
    await up?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the store listens on no TCP port, the data folder is 0700 and its files 0600', async () => {
    // Act
    const running = await start();
    await waitFor('a first decision', async () => (await (await running.api('/pools/bots')).json() as { lastDecision?: unknown }).lastDecision);

    // Assess: the only TCP listener of the process is the API.
    expect(listeningTcpPorts(running.child.pid!)).toEqual([running.port]);
    // The store's socket is in a folder only this user can enter.
    const sockets = unixSocketPaths(running.child.pid!).filter((path) => path.includes('poolscale-store-'));
    expect(sockets).toHaveLength(1);
    expect(lstatSync(dirname(sockets[0]!)).mode & 0o777).toBe(0o700);
    expect(lstatSync(data).mode & 0o777).toBe(0o700);
    expect(lstatSync(join(data, 'token')).mode & 0o777).toBe(0o600);
    // No API answer invites other origins in.
    const answer = await running.api('/pools', { headers: { origin: running.url } });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();

    await running.stop();
    up = undefined;
    const entries = modes(data);
    expect(entries.filter((entry) => !entry.directory).length).toBeGreaterThan(1);
    for (const entry of entries) expect({ path: entry.path, mode: entry.mode.toString(8) }).toEqual({ path: entry.path, mode: entry.directory ? '700' : '600' });
  }, 120_000);

  it('a restart keeps the API changes and deletions; --apply shows the diff and writes the file', async () => {
    // Prepare: change bots (max 20 -> 30) and delete other through the API.
    let running = await start();
    const current = (await (await running.api('/pools/bots')).json()) as { policy: Record<string, unknown> };
    const etag = (await running.api('/pools/bots')).headers.get('etag');
    const put = await running.api('/pools/bots', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...(etag ? { 'if-match': etag } : {}) },
      body: JSON.stringify({ ...current.policy, max: 30 }),
    });
    expect(put.status).toBe(200);
    expect((await running.api('/pools/other', { method: 'DELETE' })).status).toBe(204);
    await running.stop();

    // Act: restart with the same file.
    running = await start();

    // Assess: the change is kept and the deleted pool did not come back.
    expect(((await (await running.api('/pools/bots')).json()) as { policy: { max: number } }).policy.max).toBe(30);
    expect((await running.api('/pools/other')).status).toBe(404);
    expect(running.output()).toContain('pool bots: the stored policy differs from the file; the stored one is kept');
    expect(running.output()).toContain('~ max: 30 -> 20');
    await running.stop();

    // Act: --apply.
    running = await start('--apply');

    // Assess: the diff was printed before, and the file's pools are back.
    expect(running.output()).toMatch(/pool bots: the stored policy differs from the file; --apply writes the file:\n(\s+.*\n)*?\s+~ max: 30 -> 20\n/);
    expect(running.output()).toContain('pool other: deleted through the API; --apply adds it back from the file');
    expect(((await (await running.api('/pools/bots')).json()) as { policy: { max: number } }).policy.max).toBe(20);
    expect((await running.api('/pools/other')).status).toBe(200);
    await running.stop();
    up = undefined;
  }, 180_000);

  it('escape sequences in a scale reason are not printed to the terminal', async () => {
    // Prepare
    const running = await start();
    const reason = 'incident \u001b]0;pwned\u0007\u001b[2J\u001b[1A\u009b31m\r\u0008 #42';

    // Act
    const scaled = await running.api('/pools/bots/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ desired: 12, reason }) });
    expect(scaled.status).toBeLessThan(300);
    await waitFor('the scale line', () => /bots .*#42/.test(running.output()), 60_000);

    // Assess: the reason's text is there, no control character but newline is.
    const line = running.output().split('\n').find((text) => text.includes('#42'))!;
    expect(line).toContain('incident');
    // eslint-disable-next-line no-control-regex
    expect(running.output()).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    await running.stop();
    up = undefined;
  }, 120_000);
});
