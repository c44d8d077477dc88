import { Redis as UpstashRedis } from '@upstash/redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startRedis, type TestRedis } from '../support/redis';
import { startUpstashRest, type UpstashRest } from '../support/upstashRest';

const TOKEN = 'shim-token';
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

let redis: TestRedis;
let rest: UpstashRest;
let admin: Redis;

beforeAll(async () => {
  redis = await startRedis();
  rest = await startUpstashRest({ redisUrl: redis.url, token: TOKEN });
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin.disconnect();
  await rest?.stop();
  await redis?.stop();
});

beforeEach(async () => {
  await admin.flushall();
  rest.failNext(0);
  rest.delayMs = 0;
});

const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
  const response = await fetch(`${rest.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as unknown };
};

describe('Function: startUpstashRest', () => {
  it.each([
    { case: 'a status reply', command: ['SET', 'k', 'v'], expected: { result: 'OK' } },
    { case: 'an integer reply', command: ['RPUSH', 'l', 'a', 'b'], expected: { result: 2 } },
    { case: 'a null reply', command: ['GET', 'missing'], expected: { result: null } },
    { case: 'numbers sent as JSON numbers', command: ['INCRBY', 'n', 5], expected: { result: 5 } },
  ])('answers POST / with $case', async ({ command, expected }) => {
    // Act
    const answer = await post('/', command);

    // Assess
    expect(answer).toEqual({ status: 200, body: expected });
  });

  it('answers a refused command with HTTP 400 and the Redis error', async () => {
    // Prepare
    await admin.set('word', 'x');

    // Act
    const answer = await post('/', ['LLEN', 'word']);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error: expect.stringMatching(/^WRONGTYPE/) });
  });

  it('base64-encodes every string, nested ones too, but leaves numbers, nulls and a top-level OK', async () => {
    // Prepare
    await admin.set('k', 'héllo');
    await admin.rpush('l', 'a', 'b');
    const headers = { 'upstash-encoding': 'base64' };

    // Act
    const set = await post('/', ['SET', 'x', '1'], headers);
    const pipeline = await post('/pipeline', [['GET', 'k'], ['LLEN', 'l'], ['GET', 'none'], ['SCAN', '0', 'MATCH', 'l']], headers);

    // Assess
    expect(set.body).toEqual({ result: 'OK' });
    expect(pipeline.body).toEqual([{ result: b64('héllo') }, { result: 2 }, { result: null }, { result: [b64('0'), [b64('l')]] }]);
  });

  it('answers /pipeline and /multi-exec with one reply per command, errors in place', async () => {
    // Prepare
    await admin.set('word', 'x');

    // Act
    const pipeline = await post('/pipeline', [['INCR', 'c'], ['LLEN', 'word'], ['INCR', 'c']]);
    const multi = await post('/multi-exec', [['INCR', 'c'], ['GET', 'c']]);

    // Assess
    expect(pipeline.body).toEqual([{ result: 1 }, { error: expect.stringMatching(/^WRONGTYPE/) }, { result: 2 }]);
    expect(multi.body).toEqual([{ result: 3 }, { result: '3' }]);
  });

  it('answers path-style GET commands', async () => {
    // Prepare
    await admin.set('a key', 'v');

    // Act
    const response = await fetch(`${rest.url}/get/a%20key`, { headers: { authorization: `Bearer ${TOKEN}` } });

    // Assess
    expect(await response.json()).toEqual({ result: 'v' });
  });

  it.each([
    { case: 'no token', headers: { authorization: '' } },
    { case: 'a wrong token', headers: { authorization: 'Bearer nope' } },
  ])('refuses $case with 401 Unauthorized', async ({ headers }) => {
    // Act
    const answer = await post('/', ['PING'], headers);

    // Assess
    expect(answer).toEqual({ status: 401, body: { error: 'Unauthorized' } });
  });

  it('fails exactly the next n requests with the injected status, and records every request', async () => {
    // Prepare
    rest.failNext(2, 503);
    const before = rest.requests.length;

    // Act
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await post('/pipeline', [['PING'], ['PING']])).status);

    // Assess
    expect(statuses).toEqual([503, 503, 200]);
    expect(rest.requests.slice(before)).toEqual(Array.from({ length: 3 }, () => ({ method: 'POST', path: '/pipeline', commands: 2 })));
  });

  it('serves the @upstash/redis client with its default base64 encoding and deserialization', async () => {
    // Prepare
    const client = new UpstashRedis({ url: rest.url, token: TOKEN, enableTelemetry: false });

    // Act
    await client.set('json', { n: 1, s: 'é' });
    await client.hset('h', { f: 'v', n: '2' });
    const pipeline = client.pipeline();
    pipeline.get('json');
    pipeline.hgetall('h');
    pipeline.lrange('none', 0, -1);
    const replies = await pipeline.exec();

    // Assess
    expect(replies).toEqual([{ n: 1, s: 'é' }, { f: 'v', n: 2 }, []]);
  });
});
