import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createRelayHandler, HOST_HEADER, type RelayDeps, type RelayHandler } from '../../shared/relay';
import { describeError } from './describeError';
import { HttpEventSchema } from './events';
import type { FunctionLogger, MetricsFlusher } from './FunctionLogger';
import { badEventResult, requestFromEvent, resultFromResponse } from './httpEvent';

export interface RelayFunctionDeps {
  /** The relay's stores and sources; built once per container by the entry point. */
  relay: () => Promise<RelayDeps>;
  logger: FunctionLogger;
  metrics?: MetricsFlusher;
}

/**
 * The relay function: agents' signed heartbeats (`POST /agent/heartbeat`) through API Gateway.
 * The relay core authenticates them itself (HMAC), so the route has no IAM auth; the body is
 * passed exactly as received (after base64 decoding) because the signature covers it.
 */
export function createRelayFunctionHandler(deps: RelayFunctionDeps) {
  let relay: RelayHandler | undefined;
  let built: RelayDeps | undefined;

  return async (event: unknown, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) deps.logger.addContext?.(context);
    try {
      const parsed = HttpEventSchema.safeParse(event);
      if (!parsed.success) return badEventResult('Expected an API Gateway HTTP API (v2) event');
      const request = requestFromEvent(parsed.data);
      const relayDeps = await deps.relay();
      if (!relay || built !== relayDeps) {
        built = relayDeps;
        relay = createRelayHandler(relayDeps);
      }
      const response = await relay({ method: request.method, path: request.path, headers: request.headers, body: request.body });
      deps.logger.info('relay request', {
        method: request.method,
        path: request.path,
        status: response.status,
        // As sent (the relay answered 401 if it is not a host id): cut, a header may be 8 KB of anything.
        hostId: request.headers[HOST_HEADER]?.slice(0, 128),
        requestId: parsed.data.requestContext.requestId,
      });
      return resultFromResponse(response);
    } catch (error) {
      deps.logger.error('relay invocation failed', describeError(error));
      return {
        statusCode: 500,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ error: 'InternalError', message: 'Internal error; it has been logged' }),
      };
    } finally {
      deps.metrics?.publishStoredMetrics();
    }
  };
}
