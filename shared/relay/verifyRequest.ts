import { timingSafeEqual } from 'node:crypto';
import { AuthError } from '../domain/errors';
import type { AgentRecord, AgentStore } from '../ports/AgentStore';
import { ReplayError } from './errors';
import { HOST_HEADER, MAX_CLOCK_SKEW_MS, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './headers';
import { isHostId } from './hostId';
import { isSealed, SECRET_KEY_ENV, SecretKeyError } from './secretBox';
import { signature } from './signRequest';

export interface VerifyInput {
  headers: Record<string, string | undefined>;
  body: string;
  now: number;
  agents: AgentStore;
  maxSkewMs?: number;
}

const NONCE_PATTERN = /^[A-Za-z0-9_-]{8,128}$/;

/** Header lookup that ignores case (API Gateway v1 keeps the client's case). */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const direct = headers[name];
  if (direct !== undefined) return direct;
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

/**
 * Authenticates a signed agent request and returns the host's record. Throws AuthError for a
 * missing or bad signature, a malformed or unknown host id or a timestamp outside ±5 min (the
 * same 401 whatever item the host header names), and ReplayError for
 * a nonce already used. The nonce is claimed only after the signature checks out, so nobody
 * without the secret can burn a host's nonces.
 */
export async function verifyRequest(input: VerifyInput): Promise<AgentRecord> {
  const hostId = header(input.headers, HOST_HEADER);
  const timestamp = header(input.headers, TIMESTAMP_HEADER);
  const nonce = header(input.headers, NONCE_HEADER);
  const given = header(input.headers, SIGNATURE_HEADER);
  if (!hostId || !timestamp || !nonce || !given) throw new AuthError('Missing signature headers');
  // A host id never contains "#": the header cannot name a nonce item or any other record.
  if (!isHostId(hostId)) throw new AuthError('Malformed host id');
  if (!NONCE_PATTERN.test(nonce)) throw new AuthError('Malformed nonce');
  const at = Number(timestamp);
  const maxSkew = input.maxSkewMs ?? MAX_CLOCK_SKEW_MS;
  if (!/^\d+$/.test(timestamp) || Math.abs(input.now - at) > maxSkew) {
    throw new AuthError('Request timestamp is outside the allowed clock skew');
  }
  const record = await input.agents.get(hostId);
  // Same message for an unknown host and a bad signature: do not reveal which hosts exist.
  // A record without a usable secret never reaches createHmac (an empty key would be a known key).
  if (!record || typeof record.secret !== 'string' || record.secret.length === 0) throw new AuthError('Bad signature');
  // A deployment problem, not the caller's: say so in the logs (500), never check against the sealed text.
  if (isSealed(record.secret)) throw new SecretKeyError(`The secret of agent "${hostId}" is sealed but no key is configured (set ${SECRET_KEY_ENV})`);
  const expected = Buffer.from(signature(record.secret, timestamp, nonce, input.body), 'hex');
  const actual = /^[0-9a-f]{64}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.alloc(0);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new AuthError('Bad signature');
  // Keep the nonce for longer than a timestamp can be accepted, so it cannot come back later.
  const claimed = await input.agents.claimNonce(hostId, nonce, at + 2 * maxSkew, input.now);
  if (!claimed) throw new ReplayError('Nonce already used (replayed request)');
  return record;
}
