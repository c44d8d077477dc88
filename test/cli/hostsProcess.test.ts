/**
 * `poolscale hosts add|list|remove|rotate-secret` as users run them (`node bin/poolscale.js`),
 * against the API router with the host routes, served over HTTP, on agent records in DynamoDB tables (dynalite), with
 * the relay on the same store: the secret printed once by `add` signs heartbeats the relay
 * accepts, `rotate-secret` retires the old one, `remove` ends the host (issue 10, item 9).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoAgentStore, DynamoDecisionLog, DynamoPolicyStore, DynamoStateStore } from '../../shared/adapters/dynamodb';
import { startHttpServer, type LocalServer } from '../../shared/local/httpServer';
import { systemClock } from '../../shared/ports/Clock';
import { createRelayHandler } from '../../shared/relay/createRelayHandler';
import { createSecretBox } from '../../shared/relay/secretBox';
import { startDynamoFixture, type DynamoFixture } from '../adapters/dynamodbSupport';
import { memoryPolicy, report, signed } from '../relay/relayFixtures';
import { hostApi } from '../relay/hostApi';

const CLI = fileURLToPath(new URL('../../bin/poolscale.js', import.meta.url));
const run = promisify(execFile);

describe('Process: poolscale hosts', () => {
  let fixture: DynamoFixture;
  let server: LocalServer;
  let agents: DynamoAgentStore;
  let relay: ReturnType<typeof createRelayHandler>;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolscale-hosts-'));
    fixture = await startDynamoFixture();
    // Secrets sealed at rest, as with AGENT_SECRET_KEY set.
    agents = new DynamoAgentStore(fixture.documentClient, fixture.tables.agents, { secretBox: createSecretBox(Buffer.alloc(32, 5)) });
    const policies = new DynamoPolicyStore(fixture.documentClient, fixture.tables.policies);
    await policies.put(memoryPolicy('celery', 'r620-01', 'celery'));
    relay = createRelayHandler({
      agents,
      policies,
      states: new DynamoStateStore(fixture.documentClient, fixture.tables.state),
      log: new DynamoDecisionLog(fixture.documentClient, fixture.tables.history),
      clock: systemClock,
    });
    const api = hostApi(agents);
    server = await startHttpServer([{ prefix: '/', handler: (request) => api(request) }], 0);
  });
  afterAll(async () => {
    await server.close();
    await fixture.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(...args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, [CLI, 'hosts', ...args, '--api', server.url], { cwd: dir, env: { ...process.env, POOLSCALE_API: '', POOLSCALE_TOKEN: '' }, timeout: 60_000 });
      return { code: 0, out: stdout, err: stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, out: failed.stdout ?? '', err: failed.stderr ?? '' };
    }
  }

  const heartbeat = (secret: string) => relay(signed('r620-01', secret, { agentVersion: 'test', report: report(40, { celery: { running: 2, busy: 1, rssGb: 1 } }) }, Date.now()));
  const secretIn = (out: string) => /^secret: (\S+)$/m.exec(out)?.[1];

  it('add prints the secret once; the relay accepts it; list never shows it; rotate retires it; remove ends the host', { timeout: 120_000 }, async () => {
    // Act: enrol
    const added = await cli('add', 'r620-01', '--pools', 'celery');

    // Assess
    expect(added.code, added.err).toBe(0);
    expect(added.out).toContain('Enrolled host r620-01 for pools celery');
    const secret = secretIn(added.out)!;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await heartbeat(secret)).status).toBe(200);

    // list: the host, its pools and last report; never a secret
    const listed = await cli('list');
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(/r620-01\s+pools: celery\s+last seen \d{4}-/);
    const json = await cli('list', '--json');
    expect(json.out).not.toContain(secret);
    expect(json.out).not.toMatch(/"secret"/);

    // add again: refused, the secret unchanged
    const again = await cli('add', 'r620-01');
    expect(again.code).toBe(1);
    expect(again.err).toContain('409 Host "r620-01" is already enrolled; use rotate-secret');
    expect((await heartbeat(secret)).status).toBe(200);

    // rotate-secret: a new secret works, the old one is refused
    const rotated = await cli('rotate-secret', 'r620-01');
    expect(rotated.code, rotated.err).toBe(0);
    const fresh = secretIn(rotated.out)!;
    expect(fresh).not.toBe(secret);
    expect((await heartbeat(secret)).status).toBe(401);
    expect((await heartbeat(fresh)).status).toBe(200);

    // remove: heartbeats refused; a second remove says there is no such host
    const removed = await cli('remove', 'r620-01');
    expect(removed.code, removed.err).toBe(0);
    expect((await heartbeat(fresh)).status).toBe(401);
    const twice = await cli('remove', 'r620-01');
    expect(twice.code).toBe(1);
    expect(twice.err).toContain('404 No host "r620-01"');
  });

  it('--secret-file writes the secret with mode 0600 and does not print it', { timeout: 60_000 }, async () => {
    const file = join(dir, 'r620-02.secret');
    const added = await cli('add', 'r620-02', '--secret-file', file);
    expect(added.code, added.err).toBe(0);
    const secret = readFileSync(file, 'utf8').trim();
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(added.out).not.toContain(secret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await agents.get('r620-02'))?.secret).toBe(secret);
  });

  it.each([
    { args: ['add', 'nonce#r620-01#x'], message: /host id must be 1-128 characters.*"nonce#r620-01#x"/ },
    { args: ['add', 'r620-03', '--pools', 'Bad Pool'], message: /poolIds\.0: must be a pool id/, code: 1 },
    { args: ['remove'], message: /remove needs a host id/ },
    { args: ['frobnicate', 'x'], message: /unknown action "frobnicate"/ },
    { args: ['list', 'extra'], message: /list takes no host id/ },
  ])('$args: a clear error naming the field and value, nothing created', { timeout: 60_000 }, async ({ args, message, code }) => {
    const result = await cli(...args);
    expect(result.code).toBe(code ?? 2);
    expect(result.err).toMatch(message);
    expect((await agents.list()).map((h) => h.hostId)).not.toContain('r620-03');
  });
});
