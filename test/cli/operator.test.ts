import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, executeApiRegion } from '../../shared/cli/apiClient';
import { diffPolicies } from '../../shared/cli/commands/operator';
import { memoryIo } from '../../shared/cli/io';
import { main } from '../../shared/cli/main';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { botsConfig } from '../support/botsConfig';

const config = botsConfig();

describe('Commands: status, scale, pause, resume, history, apply', () => {
  let plane: ControlPlane;
  let dir: string;
  const cli = async (...args: string[]) => {
    const captured = memoryIo({}, dir);
    const code = await main([...args, '--api', plane.url], captured.io);
    return { code, out: captured.text(), err: captured.errors() };
  };

  beforeAll(async () => {
    plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 60_000 });
    dir = mkdtempSync(join(tmpdir(), 'poolscale-cli-'));
  });
  afterAll(async () => {
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('status lists pools with desired count, bounds and the last decision', async () => {
    const { code, out } = await cli('status');
    expect(code).toBe(0);
    expect(out).toMatch(/POOL\s+TARGET\s+DESIRED\s+READY\s+BOUNDS/);
    expect(out).toMatch(/bots\s+none\s+7\s+7\s+2\.\.20\s+auto\s+scale_up/);
  });

  it('scale sets a manual count and history shows who asked', async () => {
    const scaled = await cli('scale', 'bots', '9', '--reason', 'launch', '--for', '30m');
    const history = await cli('history', 'bots', '--limit', '5');

    expect(scaled).toMatchObject({ code: 0, out: 'bots: manual desired count 9 for 30m' });
    expect(history.out).toContain('manual override');
    expect(history.out).toContain('launch');
  });

  it.each([
    { case: 'no reason', args: ['scale', 'bots', '3'], message: '--reason is required' },
    { case: 'count not a number', args: ['scale', 'bots', 'lots', '--reason', 'x'], message: 'poolscale scale: DESIRED must be a whole number ≥ 0, got "lots"' },
    { case: 'negative count', args: ['scale', 'bots', '-1', '--reason', 'x'], message: 'poolscale scale: DESIRED must be a whole number ≥ 0, got "-1"' },
    { case: 'fractional count', args: ['scale', 'bots', '2.5', '--reason', 'x'], message: 'DESIRED must be a whole number ≥ 0, got "2.5"' },
    { case: 'negative limit', args: ['history', 'bots', '--limit', '-5'], message: '--limit must be a whole number from 1 to 500, got "-5"' },
    { case: 'misspelt option', args: ['scale', 'bots', '3', '--reasn', 'x'], message: 'unknown option --reasn (did you mean --reason?)' },
    { case: 'bad duration', args: ['scale', 'bots', '3', '--reason', 'x', '--for', 'soon'], message: '--for must be a duration' },
    { case: 'bad limit', args: ['history', 'bots', '--limit', '0'], message: '--limit must be a whole number from 1 to 500, got "0"' },
  ])('refuses $case before calling the API', async ({ args, message }) => {
    const { code, err } = await cli(...args);
    expect(code).toBe(2);
    expect(err).toContain(message);
  });

  it('reports the API refusing a count outside the bounds, naming the field', async () => {
    const { code, err } = await cli('scale', 'bots', '50', '--reason', 'too many');
    expect(code).toBe(1);
    expect(err).toContain('desired');
  });

  it('pause and resume', async () => {
    expect((await cli('pause', 'bots', '--reason', 'maintenance')).out).toBe('bots: paused');
    expect((await cli('status')).out).toMatch(/bots.*paused/);
    // The manual override of the scale test above stays in force until cleared.
    expect((await cli('resume', 'bots')).out).toBe('bots: resumed; manual override to 9 stays in force (--clear-manual ends it)');
    expect((await cli('resume', 'bots', '--clear-manual')).out).toBe('bots: was not paused; manual override cleared');
  });

  it('apply shows the difference, then applies it; --dry-run only shows', async () => {
    // Prepare
    const file = join(dir, 'pools.yaml');
    writeFileSync(
      file,
      'pools:\n  - id: bots\n    target: { kind: none }\n    min: 2\n    max: 30\n    metrics: { busy: { source: static, value: 2 } }\n    rules: [{ type: buffer, minFree: 3, batch: 5 }]\n' +
        '  - id: api\n    target: { kind: none }\n    min: 1\n    max: 4\n',
    );

    // Act
    const dry = await cli('apply', file, '--dry-run');
    const applied = await cli('apply', file);
    const again = await cli('apply', file);

    // Assess
    expect(dry.out).toContain('~ pool bots');
    expect(dry.out).toContain('~ max: 20 -> 30');
    expect(dry.out).toContain('+ pool api (new)');
    expect(dry.out).toContain('dry run: 2 pool(s) would change');
    expect(applied.out).toContain('applied 2 pool(s)');
    expect(again.out).toContain('= pool bots (unchanged)');
  });

  it('apply refuses an invalid file and applies nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'pools:\n  - id: bad\n    target: { kind: none }\n    min: 9\n    max: 3\n');
    const { code, err } = await cli('apply', file);
    expect(code).toBe(1);
    expect(err).toContain('nothing applied');
    expect((await cli('status')).out).not.toContain('bad');
  });
});

describe('Function: executeApiRegion', () => {
  it.each([
    { host: 'abc123.execute-api.eu-west-1.amazonaws.com', region: 'eu-west-1' },
    { host: 'abc123.execute-api.cn-north-1.amazonaws.com.cn', region: 'cn-north-1' },
    { host: 'abc123.execute-api.us-gov-west-1.amazonaws.com', region: 'us-gov-west-1' },
    { host: 'abc123.execute-api.eu-west-1.amazonaws.com.evil.example', region: undefined },
    { host: 'api.example.com', region: undefined },
    { host: '127.0.0.1', region: undefined },
  ])('$host -> $region', ({ host, region }) => {
    expect(executeApiRegion(host)).toBe(region);
  });
});

describe('Function: createApiClient', () => {
  it('signs requests to a deployed API with SigV4', async () => {
    // Prepare: a server that records what it receives.
    const seen: Record<string, string | string[] | undefined>[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"pools":[]}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = createApiClient({
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      sigv4: true,
      region: 'eu-west-1',
      credentials: async () => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }),
    });

    // Act
    await api('GET', '/pools');
    server.close();

    // Assess
    expect(seen[0]?.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/);
    expect(seen[0]?.['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('does not sign requests to a local API', async () => {
    const seen: Record<string, string | string[] | undefined>[] = [];
    const server = createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // An empty working directory: a token left by an earlier `npm start` must not leak in.
    const cwd = mkdtempSync(join(tmpdir(), 'poolscale-operator-'));
    await createApiClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, env: {}, cwd })('GET', '/pools');
    server.close();
    expect(seen[0]?.authorization).toBeUndefined();
  });
});

describe('Function: diffPolicies', () => {
  it.each([
    { case: 'changed value', a: { max: 2 }, b: { max: 3 }, lines: ['  ~ max: 2 -> 3'] },
    { case: 'added rule', a: { rules: [] }, b: { rules: [{ type: 'buffer' }] }, lines: ['  - rules: []', '  + rules[0].type: "buffer"'] },
    { case: 'removed field', a: { paused: true }, b: {}, lines: ['  - paused: true'] },
    { case: 'same', a: { a: 1 }, b: { a: 1 }, lines: [] },
  ])('$case', ({ a, b, lines }) => {
    expect(diffPolicies(a, b)).toEqual(lines);
  });
});
