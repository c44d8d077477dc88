/**
 * The relay's answers are signed and the agent refuses any other (issue 11); `relayUrl` is
 * https:// unless the relay is on loopback; the nonce store is bounded; secrets may be sealed.
 */
import { describe, expect, it } from 'vitest';
import { RelayClient, RelayError, RelayUrlError, checkRelayUrl } from '../../shared/agent/RelayClient';
import { serveRelay } from '../../shared/adapters/host/serveRelay';
import { MemoryAgentStore, MemoryDecisionLog, MemoryPolicyStore, MemoryStateStore } from '../../shared/adapters/memory';
import { createRelayHandler } from '../../shared/relay/createRelayHandler';
import { NonceStoreFullError } from '../../shared/ports/AgentStore';
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../shared/relay/headers';
import { createHash } from 'node:crypto';
import { createSecretBox, keyFromSecretValue, parseSecretKey, SecretKeyError } from '../../shared/relay/secretBox';
import { signResponse } from '../../shared/relay/signRequest';
import { relayWorld, report, SECRET_A, signed } from './relayFixtures';

const beat = { agentVersion: 'test', report: report(40, { web: { running: 2, busy: 1, rssGb: 1 } }) };

describe('Class: RelayClient (signed answers)', () => {
  it('accepts the real relay answer, signed for its request', async () => {
    // Prepare
    const world = await relayWorld(Date.now());
    const server = await serveRelay(world.handler);
    try {
      const client = new RelayClient({ relayUrl: server.url, hostId: 'a', secret: SECRET_A, timeoutMs: 5_000 });

      // Act
      const answer = await client.heartbeat(beat, Date.now());

      // Assess
      expect(answer.desired).toEqual({ web: 6 });
    } finally {
      await server.close();
    }
  });

  /** A relay stand-in answering `body` with the headers `sign` returns for the request's nonce. */
  const fakeRelay = (body: string, sign: (nonce: string) => Record<string, string>) =>
    (async (_url: string | URL | Request, init?: RequestInit) => {
      const nonce = (init?.headers as Record<string, string>)[NONCE_HEADER]!;
      return new Response(body, { status: 200, headers: { 'content-type': 'application/json', ...sign(nonce) } });
    }) as typeof fetch;

  const forged = JSON.stringify({ desired: { web: 0 }, policies: {}, serverTime: 1 });

  it.each([
    { case: 'an unsigned answer', sign: () => ({}), message: /not signed/ },
    { case: 'an answer signed with another key', sign: (nonce: string) => signResponse('not-the-secret-0123', nonce, forged, Date.now()), message: /bad signature/ },
    { case: 'an answer signed for another request (replayed)', sign: () => signResponse(SECRET_A, 'an-older-nonce-123', forged, Date.now()), message: /another request/ },
    {
      case: 'a request signature passed off as an answer',
      sign: (nonce: string) => {
        const headers = signResponse(SECRET_A, nonce, forged, Date.now());
        return { ...headers, [SIGNATURE_HEADER]: 'f'.repeat(64) };
      },
      message: /bad signature/,
    },
    { case: 'a malformed timestamp', sign: (nonce: string) => ({ ...signResponse(SECRET_A, nonce, forged, Date.now()), [TIMESTAMP_HEADER]: 'soon' }), message: /malformed/ },
  ])('refuses $case with a RelayError', async ({ sign, message }) => {
    // Prepare
    const client = new RelayClient({ relayUrl: 'https://relay.example/prod', hostId: 'a', secret: SECRET_A, timeoutMs: 1_000, fetch: fakeRelay(forged, sign) });

    // Act / Assess
    const error = await client.heartbeat(beat, Date.now()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RelayError);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts an answer signed for its request through a fake relay (the check is not always-refuse)', async () => {
    const client = new RelayClient({ relayUrl: 'https://relay.example', hostId: 'a', secret: SECRET_A, timeoutMs: 1_000, fetch: fakeRelay(forged, (nonce) => signResponse(SECRET_A, nonce, forged, Date.now())) });
    expect((await client.heartbeat(beat, Date.now())).desired).toEqual({ web: 0 });
  });
});

describe('Function: checkRelayUrl', () => {
  it.each(['https://relay.example/prod', 'http://127.0.0.1:8080', 'http://localhost:8080/', 'http://[::1]:9000', 'http://127.1.2.3'])('accepts %s', (url) => {
    expect(() => checkRelayUrl(url)).not.toThrow();
  });

  it.each([
    { url: 'http://relay.example/prod', message: /relayUrl must use https:\/\/ unless the relay is on loopback.*"http:\/\/relay\.example\/prod"/ },
    { url: 'http://10.0.0.5:8080', message: /https/ },
    { url: 'http://127.0.0.1.nip.io', message: /https/ },
    { url: 'ftp://relay.example', message: /relayUrl must be an https:\/\/ URL \(got "ftp:\/\/relay.example"\)/ },
    { url: 'relay.example', message: /relayUrl is not a URL \(got "relay.example"\)/ },
  ])('refuses $url naming the field and the value', ({ url, message }) => {
    expect(() => new RelayClient({ relayUrl: url, hostId: 'a', secret: SECRET_A, timeoutMs: 1_000 })).toThrow(RelayUrlError);
    expect(() => checkRelayUrl(url)).toThrow(message);
  });
});

describe('Class: MemoryAgentStore (bounded nonces)', () => {
  it('prunes expired nonces, so the store stays bounded by the replay window', async () => {
    // Prepare: 10,000 signed requests over 10,000 s, each nonce kept 600 s.
    let now = 1_700_000_000_000;
    const store = new MemoryAgentStore(() => now);

    // Act
    for (let i = 0; i < 10_000; i++) {
      now += 1_000;
      expect(await store.claimNonce('a', `nonce-${i}-abcdef`, now + 600_000, now)).toBe(true);
    }

    // Assess: at most the window (600) plus the amortised sweep slack.
    expect(store.nonceCount).toBeLessThanOrEqual(2 * 1024);
    expect(store.prune(now)).toBeLessThanOrEqual(601);
  });

  it('an expired nonce no longer counts; an unexpired one is a replay', async () => {
    const store = new MemoryAgentStore();
    expect(await store.claimNonce('a', 'n-1', 1_000, 0)).toBe(true);
    expect(await store.claimNonce('a', 'n-1', 2_000, 500)).toBe(false);
    expect(await store.claimNonce('a', 'n-1', 3_000, 1_500)).toBe(true);
  });

  it('refuses claims beyond the cap with NonceStoreFullError, and the relay answers 429', async () => {
    // Prepare
    const store = new MemoryAgentStore(() => 0, { maxNonces: 3 });
    for (let i = 0; i < 3; i++) await store.claimNonce('a', `n-${i}`, 10_000, 0);

    // Act / Assess
    await expect(store.claimNonce('a', 'n-4', 10_000, 0)).rejects.toBeInstanceOf(NonceStoreFullError);
    // Once they expire, room again.
    expect(await store.claimNonce('a', 'n-5', 30_000, 20_000)).toBe(true);

    // The relay: 429 with Retry-After, not a 5xx.
    const now = Date.now();
    const agents = new MemoryAgentStore(() => now, { maxNonces: 1 });
    await agents.put({ hostId: 'a', secret: SECRET_A, poolIds: [], desired: {}, version: 1 }, 0);
    const handler = createRelayHandler({ agents, policies: new MemoryPolicyStore(), states: new MemoryStateStore(), log: new MemoryDecisionLog(), clock: { now: () => now } });
    expect((await handler(signed('a', SECRET_A, beat, now))).status).toBe(200);
    const full = await handler(signed('a', SECRET_A, beat, now));
    expect(full.status).toBe(429);
    expect(full.headers['retry-after']).toBe('5');
  });
});

describe('Class: MemoryAgentStore (keys such as constructor)', () => {
  it.each(['constructor', '__proto__', 'toString'])('stores and reads back the desired count of a pool named %s', async (pool) => {
    const store = new MemoryAgentStore();
    await store.put({ hostId: 'a', secret: SECRET_A, poolIds: [], desired: {}, version: 1 }, 0);
    await store.setDesired('a', pool, 4);
    const record = await store.get('a');
    expect(Object.hasOwn(record!.desired, pool)).toBe(true);
    expect(record!.desired[pool]).toBe(4);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('Module: secretBox', () => {
  const key = parseSecretKey(Buffer.alloc(32, 7).toString('base64'));
  const box = createSecretBox(key);

  it('seals and opens; the sealed form does not contain the secret', () => {
    const sealed = box.seal(SECRET_A, 'a');
    expect(sealed).toMatch(/^sealed:v1:/);
    expect(sealed).not.toContain(SECRET_A);
    expect(box.open(sealed, 'a')).toBe(SECRET_A);
  });

  it('a sealed secret moved to another host, or opened with another key, does not open', () => {
    const sealed = box.seal(SECRET_A, 'a');
    expect(() => box.open(sealed, 'b')).toThrow(SecretKeyError);
    expect(() => createSecretBox(Buffer.alloc(32, 9)).open(sealed, 'a')).toThrow(/does not open/);
  });

  it.each(['', 'short', Buffer.alloc(16).toString('base64'), '!!!not base64!!!'])('refuses the key %j naming AGENT_SECRET_KEY', (text) => {
    expect(() => parseSecretKey(text)).toThrow(/AGENT_SECRET_KEY must be 32 random bytes in base64/);
  });

  const passphrase = 'aB3'.repeat(21) + 'x';
  it.each([
    { case: 'the generated JSON: SHA-256 of its key', value: JSON.stringify({ key: passphrase }), key: createHash('sha256').update(passphrase).digest() },
    { case: 'a plain base64 key', value: ` ${Buffer.alloc(32, 3).toString('base64')}\n`, key: Buffer.alloc(32, 3) },
  ])('keyFromSecretValue reads $case', ({ value, key: expected }) => {
    expect(keyFromSecretValue(value, 'Secret arn:k').equals(expected)).toBe(true);
  });

  it.each([
    { case: 'a short generated key', value: JSON.stringify({ key: 'short' }), error: /Secret arn:k must hold \{"key".*5 characters/ },
    { case: 'no key field', value: '{"url":"x"}', error: /its "key" is missing/ },
    { case: 'broken JSON', value: '{"key":', error: /Secret arn:k is not valid JSON/ },
    { case: 'a short base64 key', value: Buffer.alloc(16).toString('base64'), error: /Secret arn:k must be 32 random bytes in base64.*16 bytes/ },
  ])('keyFromSecretValue refuses $case, naming the secret and never echoing the value', ({ value, error }) => {
    expect(() => keyFromSecretValue(value, 'Secret arn:k')).toThrow(error);
    try {
      keyFromSecretValue(value, 'Secret arn:k');
    } catch (thrown) {
      if (value.length > 8) expect((thrown as Error).message).not.toContain(value);
    }
  });
});

describe('Function: serveRelay (malformed requests)', () => {
  it('answers a malformed target with 400 and an oversized body with 413, and keeps serving', async () => {
    // Prepare
    const world = await relayWorld(Date.now());
    const server = await serveRelay(world.handler);
    const { connect } = await import('node:net');
    const rawRequest = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(server.port, '127.0.0.1', () => socket.end(text));
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString()));
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    try {
      // Act
      const malformed = await rawRequest('GET http://[ HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');
      const slashes = await rawRequest('POST //[ HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: 0\r\n\r\n');
      const big = await fetch(`${server.url}/agent/heartbeat`, { method: 'POST', body: 'x'.repeat(300 * 1024) });
      const after = await new RelayClient({ relayUrl: server.url, hostId: 'a', secret: SECRET_A, timeoutMs: 5_000 }).heartbeat(beat, Date.now());

      // Assess
      expect(malformed).toMatch(/^HTTP\/1\.1 400/);
      expect(slashes).toMatch(/^HTTP\/1\.1 400/);
      expect(big.status).toBe(413);
      expect(after.desired).toEqual({ web: 6 });
    } finally {
      await server.close();
    }
  });
});

describe('Function: createRelayHandler (a sealed secret and no key)', () => {
  it('does not check signatures against the sealed text: it fails loudly (a deployment problem)', async () => {
    // Prepare: the record holds a sealed secret, the relay has no key.
    const now = Date.now();
    const agents = new MemoryAgentStore(() => now);
    const sealed = createSecretBox(Buffer.alloc(32, 1)).seal(SECRET_A, 'a');
    await agents.put({ hostId: 'a', secret: sealed, poolIds: [], desired: {}, version: 1 }, 0);
    const handler = createRelayHandler({ agents, policies: new MemoryPolicyStore(), states: new MemoryStateStore(), log: new MemoryDecisionLog(), clock: { now: () => now } });

    // Act / Assess: signed with the sealed text as key: still refused, with the reason.
    await expect(handler(signed('a', sealed, beat, now))).rejects.toThrow(/sealed but no key is configured \(set AGENT_SECRET_KEY\)/);
  });
});
