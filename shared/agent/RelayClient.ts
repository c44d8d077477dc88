import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import { AuthError, PoolscaleError } from '../domain/errors';
import type { HeartbeatInput, HeartbeatResponse } from '../relay/HeartbeatSchema';
import { signRequest } from '../relay/signRequest';
import { verifyResponse } from '../relay/verifyResponse';

/** The relay could not be reached or refused the heartbeat. */
export class RelayError extends PoolscaleError {
  constructor(
    message: string,
    public readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A relay URL the agent refuses to use (checked when the client is built, at agent start). */
export class RelayUrlError extends PoolscaleError {}

export interface RelayClientOptions {
  relayUrl: string;
  hostId: string;
  secret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** True for `localhost`, 127.0.0.0/8 and ::1 (and IPv4-mapped loopback). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^(0{1,4}:){7}0{0,3}1$/.test(host);
  return false;
}

/**
 * `relayUrl` must be https:// unless the relay is on this machine: the heartbeats are signed,
 * but the policies and counts they carry would otherwise cross the network in clear.
 */
export function checkRelayUrl(relayUrl: string): URL {
  let url: URL;
  try {
    url = new URL(relayUrl);
  } catch {
    throw new RelayUrlError(`relayUrl is not a URL (got "${relayUrl}")`);
  }
  if (url.protocol === 'https:') return url;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url;
  if (url.protocol === 'http:') {
    throw new RelayUrlError(`relayUrl must use https:// unless the relay is on loopback (127.0.0.1, ::1, localhost); got "${relayUrl}"`);
  }
  throw new RelayUrlError(`relayUrl must be an https:// URL (got "${relayUrl}")`);
}

/**
 * Sends one signed heartbeat and returns the relay's desired counts and policies. The answer
 * must be signed by the relay with the same secret for this very request (its nonce): an
 * unsigned, forged or replayed answer is refused with a RelayError, so nobody between the
 * agent and the relay can set worker counts.
 */
export class RelayClient {
  private readonly url: string;

  constructor(private readonly options: RelayClientOptions) {
    const base = checkRelayUrl(options.relayUrl);
    this.url = `${base.href.replace(/\/+$/, '')}/agent/heartbeat`;
  }

  async heartbeat(body: HeartbeatInput, now: number): Promise<HeartbeatResponse> {
    const text = JSON.stringify(body);
    const nonce = randomUUID();
    const headers = signRequest({ hostId: this.options.hostId, secret: this.options.secret, body: text, now, nonce });
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(this.url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: text,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      throw new RelayError(`relay unreachable: ${(error as Error).message}`, undefined, { cause: error });
    }
    const answer = await response.text();
    if (!response.ok) throw new RelayError(`relay answered ${response.status}: ${answer.slice(0, 200)}`, response.status);
    try {
      verifyResponse({ secret: this.options.secret, requestNonce: nonce, body: answer, header: (name) => response.headers.get(name) });
    } catch (error) {
      throw new RelayError((error as AuthError).message, response.status, { cause: error });
    }
    try {
      const parsed = JSON.parse(answer) as HeartbeatResponse;
      if (typeof parsed.desired !== 'object' || typeof parsed.policies !== 'object') throw new Error('missing desired/policies');
      return parsed;
    } catch (error) {
      throw new RelayError(`relay answer is not a heartbeat response: ${(error as Error).message}`, response.status, { cause: error });
    }
  }
}
