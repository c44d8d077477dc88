/** Header names of a signed agent request (lower case: Node and API Gateway lower-case them). */
export const HOST_HEADER = 'x-poolscale-host';
export const TIMESTAMP_HEADER = 'x-poolscale-timestamp';
export const NONCE_HEADER = 'x-poolscale-nonce';
export const SIGNATURE_HEADER = 'x-poolscale-signature';

/** A signed request older or newer than this (relative to the relay's clock) is refused. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;
