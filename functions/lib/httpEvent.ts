import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { HttpEvent } from './events';

/** An API Gateway v2 event as a plain HTTP request (the shape of shared/api and shared/relay). */
export interface PlainRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  body: string;
  principal?: string;
}

/**
 * Decodes a base64 body, strips a named stage from the path (`/prod/pools` -> `/pools`; the
 * `$default` stage has no prefix) and takes the IAM caller as the principal.
 */
export function requestFromEvent(event: HttpEvent): PlainRequest {
  const stage = event.requestContext.stage;
  let path = event.rawPath || '/';
  if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) {
    path = path.slice(stage.length + 1) || '/';
  }
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const principal = event.requestContext.authorizer?.iam?.userArn;
  return {
    method: event.requestContext.http.method,
    path,
    query: { ...(event.queryStringParameters ?? {}) },
    headers: { ...(event.headers ?? {}) },
    body,
    ...(principal ? { principal } : {}),
  };
}

export function resultFromResponse(response: { status: number; headers: Record<string, string>; body: string }): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body, isBase64Encoded: false };
}

export const badEventResult = (message: string): APIGatewayProxyStructuredResultV2 => ({
  statusCode: 400,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ error: 'ValidationError', message, problems: [{ path: 'event', message }] }),
  isBase64Encoded: false,
});
