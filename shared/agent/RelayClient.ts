import { randomUUID } from 'node:crypto';
import { PoolscaleError } from '../domain/errors';
import type { HeartbeatInput, HeartbeatResponse } from '../relay/HeartbeatSchema';
import { signRequest } from '../relay/signRequest';

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

export interface RelayClientOptions {
  relayUrl: string;
  hostId: string;
  secret: string;
  timeoutMs: number;
  fetch?: typeof fetch;
}

/** Sends one signed heartbeat and returns the relay's desired counts and policies. */
export class RelayClient {
  constructor(private readonly options: RelayClientOptions) {}

  async heartbeat(body: HeartbeatInput, now: number): Promise<HeartbeatResponse> {
    const text = JSON.stringify(body);
    const headers = signRequest({ hostId: this.options.hostId, secret: this.options.secret, body: text, now, nonce: randomUUID() });
    const url = `${this.options.relayUrl.replace(/\/+$/, '')}/agent/heartbeat`;
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(url, {
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
      const parsed = JSON.parse(answer) as HeartbeatResponse;
      if (typeof parsed.desired !== 'object' || typeof parsed.policies !== 'object') throw new Error('missing desired/policies');
      return parsed;
    } catch (error) {
      throw new RelayError(`relay answer is not a heartbeat response: ${(error as Error).message}`, response.status, { cause: error });
    }
  }
}
