import { createHash, createHmac } from 'node:crypto';
import { HOST_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './headers';

export interface SignInput {
  hostId: string;
  /** The host's shared secret (the HMAC key). */
  secret: string;
  /** The exact request body bytes/text sent. */
  body: string;
  /** Epoch milliseconds of signing. */
  now: number;
  /** A value never used before by this host (random UUID). */
  nonce: string;
}

export const sha256Hex = (body: string | Buffer) => createHash('sha256').update(body).digest('hex');

/**
 * The string the HMAC covers: `${timestamp}\n${nonce}\n${sha256(body)}`. The host id selects
 * the key, so a signature made with one host's secret cannot pass as another host.
 */
export function signature(secret: string, timestamp: string, nonce: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}\n${nonce}\n${sha256Hex(body)}`).digest('hex');
}

/**
 * The relay's answer is signed with the same key over `poolscale-response\n${timestamp}\n
 * ${requestNonce}\n${sha256(body)}`: the first line keeps an answer's signature from ever
 * passing as a request's, and the request's nonce binds the answer to that one request, so an
 * old answer cannot be replayed to the agent.
 */
export function responseSignature(secret: string, timestamp: string, requestNonce: string, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`poolscale-response\n${timestamp}\n${requestNonce}\n${sha256Hex(body)}`).digest('hex');
}

/**
 * Headers for one signed agent request (HMAC-SHA256, hex).
 *
 * @example
 * const headers = signRequest({ hostId: 'r620-01', secret, body, now: Date.now(), nonce: randomUUID() });
 * await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
 */
export function signRequest(input: SignInput): Record<string, string> {
  const timestamp = String(Math.round(input.now));
  return {
    [HOST_HEADER]: input.hostId,
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: input.nonce,
    [SIGNATURE_HEADER]: signature(input.secret, timestamp, input.nonce, input.body),
  };
}

/** Headers of a signed relay answer to the request that carried `requestNonce`. */
export function signResponse(secret: string, requestNonce: string, body: string, now: number): Record<string, string> {
  const timestamp = String(Math.round(now));
  return {
    [TIMESTAMP_HEADER]: timestamp,
    [NONCE_HEADER]: requestNonce,
    [SIGNATURE_HEADER]: responseSignature(secret, timestamp, requestNonce, body),
  };
}
