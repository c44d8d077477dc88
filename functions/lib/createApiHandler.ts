import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { createApi, type ApiDeps, type ApiHandler } from '../../shared/api';
import { hostRoutes } from '../../shared/api/hostRoutes';
import { describeError } from './describeError';
import { HttpEventSchema } from './events';
import type { FunctionLogger, MetricsFlusher } from './FunctionLogger';
import { badEventResult, requestFromEvent, resultFromResponse } from './httpEvent';

export interface ApiHandlerDeps {
  /** The runtime deps (plus an optional authorizer); built once per container by the entry point. */
  runtime: () => Promise<ApiDeps>;
  logger: FunctionLogger;
  metrics?: MetricsFlusher;
}

const internalError: APIGatewayProxyStructuredResultV2 = {
  statusCode: 500,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: 'InternalError', message: 'Internal error; it has been logged' }),
  isBase64Encoded: false,
};

/**
 * The API function: an API Gateway HTTP API (payload v2, IAM auth) event in, the shared router's
 * answer out. The caller's IAM ARN becomes the principal recorded with manual actions.
 */
export function createApiHandler(deps: ApiHandlerDeps) {
  let api: ApiHandler | undefined;
  let built: ApiDeps | undefined;

  return async (event: unknown, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) deps.logger.addContext?.(context);
    try {
      const parsed = HttpEventSchema.safeParse(event);
      if (!parsed.success) {
        deps.logger.warn('not an API Gateway v2 event', { problems: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) });
        return badEventResult('Expected an API Gateway HTTP API (v2) event');
      }
      const request = requestFromEvent(parsed.data);
      const runtime = await deps.runtime();
      if (!api || built !== runtime) {
        built = runtime;
        api = createApi(
          {
            ...runtime,
            reportError: (error, where) => deps.logger.error('api request failed', { ...where, ...describeError(error) }),
          },
          { routes: hostRoutes },
        );
      }
      const response = await api(request);
      const poolId = /^\/pools\/([^/]+)/.exec(request.path)?.[1];
      deps.logger.info('api request', {
        method: request.method,
        path: request.path,
        status: response.status,
        ...(poolId ? { poolId } : {}),
        ...(request.principal ? { principal: request.principal } : {}),
        requestId: parsed.data.requestContext.requestId,
      });
      return resultFromResponse(response);
    } catch (error) {
      deps.logger.error('api invocation failed', describeError(error));
      return internalError;
    } finally {
      deps.metrics?.publishStoredMetrics();
    }
  };
}
