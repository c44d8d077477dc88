import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryAgentStore } from '../../shared/adapters/memory';
import { AuthError } from '../../shared/domain/errors';
import { ReplayError } from '../../shared/relay/errors';
import { signRequest } from '../../shared/relay/signRequest';
import { verifyRequest } from '../../shared/relay/verifyRequest';
import { SECRET_A } from './relayFixtures';

const NOW = 1_700_000_000_000;

async function store() {
  const agents = new MemoryAgentStore(() => NOW);
  await agents.put({ hostId: 'a', secret: SECRET_A, poolIds: [], desired: {}, version: 1 }, 0);
  return agents;
}

describe('Function: signRequest', () => {
  it('produces the four headers with an HMAC over timestamp, nonce and body hash', () => {
    // Act
    const headers = signRequest({ hostId: 'a', secret: SECRET_A, body: '{}', now: NOW, nonce: 'n-12345678' });

    // Assess
    expect(Object.keys(headers).sort()).toEqual(['x-poolscale-host', 'x-poolscale-nonce', 'x-poolscale-signature', 'x-poolscale-timestamp']);
    expect(headers['x-poolscale-timestamp']).toBe(String(NOW));
    expect(headers['x-poolscale-signature']).toMatch(/^[0-9a-f]{64}$/);
    expect(signRequest({ hostId: 'a', secret: SECRET_A, body: '{ }', now: NOW, nonce: 'n-12345678' })['x-poolscale-signature']).not.toBe(
      headers['x-poolscale-signature'],
    );
  });
});

describe('Function: verifyRequest', () => {
  it('accepts a correctly signed request and returns the host record', async () => {
    // Prepare
    const agents = await store();
    const headers = signRequest({ hostId: 'a', secret: SECRET_A, body: 'hello', now: NOW, nonce: 'n-12345678' });

    // Act
    const record = await verifyRequest({ headers, body: 'hello', now: NOW + 1_000, agents });

    // Assess
    expect(record.hostId).toBe('a');
  });

  it.each([
    { case: 'wrong secret', secret: 'another-secret-0123456789', host: 'a', body: 'hello', skew: 0, drop: undefined },
    { case: 'unknown host', secret: SECRET_A, host: 'zz', body: 'hello', skew: 0, drop: undefined },
    { case: 'body changed after signing', secret: SECRET_A, host: 'a', body: 'hellO', skew: 0, drop: undefined },
    { case: 'timestamp 6 minutes old', secret: SECRET_A, host: 'a', body: 'hello', skew: -360_000, drop: undefined },
    { case: 'timestamp 6 minutes ahead', secret: SECRET_A, host: 'a', body: 'hello', skew: 360_000, drop: undefined },
    { case: 'missing signature', secret: SECRET_A, host: 'a', body: 'hello', skew: 0, drop: 'x-poolscale-signature' },
    { case: 'missing nonce', secret: SECRET_A, host: 'a', body: 'hello', skew: 0, drop: 'x-poolscale-nonce' },
  ])('refuses $case with AuthError', async ({ secret, host, body, skew, drop }) => {
    // Prepare
    const agents = await store();
    const headers: Record<string, string | undefined> = signRequest({ hostId: host, secret, body: 'hello', now: NOW + skew, nonce: 'n-12345678' });
    if (drop) delete headers[drop];

    // Act
    const attempt = verifyRequest({ headers, body, now: NOW, agents });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(AuthError);
    await expect(attempt).rejects.not.toBeInstanceOf(ReplayError);
  });

  it('refuses the same nonce twice (replay), but only after the signature checks out', async () => {
    // Prepare
    const agents = await store();
    const headers = signRequest({ hostId: 'a', secret: SECRET_A, body: 'x', now: NOW, nonce: 'n-replayed-1' });
    const forged = { ...signRequest({ hostId: 'a', secret: 'not-the-secret-0123456', body: 'x', now: NOW, nonce: 'n-burnt-01' }) };

    // Act
    await verifyRequest({ headers, body: 'x', now: NOW, agents });
    const replay = verifyRequest({ headers, body: 'x', now: NOW + 10, agents });
    await expect(verifyRequest({ headers: forged, body: 'x', now: NOW, agents })).rejects.toBeInstanceOf(AuthError);
    const genuineWithForgedNonce = signRequest({ hostId: 'a', secret: SECRET_A, body: 'x', now: NOW, nonce: 'n-burnt-01' });

    // Assess
    await expect(replay).rejects.toBeInstanceOf(ReplayError);
    await expect(verifyRequest({ headers: genuineWithForgedNonce, body: 'x', now: NOW, agents })).resolves.toMatchObject({ hostId: 'a' });
  });

  it('accepts any body signed with the right secret and refuses it under any other secret (property)', async () => {
    const agents = await store();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.string(), fc.string({ minLength: 16 }), async (body, otherSecret) => {
        const nonce = `prop-nonce-${++n}`;
        const good = signRequest({ hostId: 'a', secret: SECRET_A, body, now: NOW, nonce });
        await expect(verifyRequest({ headers: good, body, now: NOW, agents })).resolves.toBeDefined();
        if (otherSecret === SECRET_A) return;
        const bad = signRequest({ hostId: 'a', secret: otherSecret, body, now: NOW, nonce: `${nonce}-x` });
        await expect(verifyRequest({ headers: bad, body, now: NOW, agents })).rejects.toBeInstanceOf(AuthError);
      }),
      { numRuns: 100 },
    );
  });
});
