import { timingSafeEqual } from 'node:crypto';
import { AuthError } from '../domain/errors';
import { NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './headers';
import { responseSignature } from './signRequest';

/**
 * Checks that a relay answer was signed with this host's secret for the request that carried
 * `requestNonce` (see signResponse). Throws AuthError naming what is wrong: an answer without
 * a signature, for another request, or with a forged signature is refused.
 */
export function verifyResponse(input: { secret: string; requestNonce: string; body: string; header: (name: string) => string | null | undefined }): void {
  const timestamp = input.header(TIMESTAMP_HEADER);
  const nonce = input.header(NONCE_HEADER);
  const given = input.header(SIGNATURE_HEADER);
  if (!timestamp || !nonce || !given) throw new AuthError(`relay answer is not signed (no ${SIGNATURE_HEADER}); refusing it`);
  if (nonce !== input.requestNonce) throw new AuthError('relay answer is signed for another request (nonce differs); refusing it');
  if (!/^\d{1,16}$/.test(timestamp)) throw new AuthError(`relay answer has a malformed ${TIMESTAMP_HEADER}; refusing it`);
  const expected = Buffer.from(responseSignature(input.secret, timestamp, nonce, input.body), 'hex');
  const actual = /^[0-9a-f]{64}$/i.test(given) ? Buffer.from(given, 'hex') : Buffer.alloc(0);
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new AuthError('relay answer has a bad signature (forged, or the relay holds another secret for this host); refusing it');
  }
}
