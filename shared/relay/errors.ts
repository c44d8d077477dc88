import { AuthError } from '../domain/errors';

/** A correctly signed request whose nonce was already used: a replay (HTTP 409). */
export class ReplayError extends AuthError {}
