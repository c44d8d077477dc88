import type { AgentStore } from '../ports/AgentStore';
import type { RuntimeDeps } from '../runtime/tick';

/** One HTTP request, independent of API Gateway, a local server or a test. */
export interface ApiRequest {
  method: string;
  /** Path without the stage prefix, e.g. `/pools/bots/history`. */
  path: string;
  query: Record<string, string | undefined>;
  /** Header names in any case. */
  headers: Record<string, string | undefined>;
  /** Raw body, already base64-decoded. */
  body?: string;
  /** Authenticated caller (an IAM user/role ARN), recorded with manual actions. */
  principal?: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the route is about to do, for an authorizer. */
export interface RouteContext {
  method: string;
  /** The route template, e.g. `/pools/{id}/scale`. */
  route: string;
  poolId?: string;
  principal?: string;
}

export type ApiDeps = RuntimeDeps & {
  /** Agent records, for the host routes (shared/api/hostRoutes.ts); absent: they answer 501. */
  agents?: AgentStore;
  /**
   * Allows or refuses a request: return false or throw AuthError for 403. Absent: every caller
   * that reached the API is allowed (API Gateway IAM auth already ran).
   */
  authorize?: (context: RouteContext) => boolean | void | Promise<boolean | void>;
  /** Where unexpected errors are reported (default: console.error). */
  reportError?: (error: unknown, context: { method: string; path: string }) => void;
};

export type ApiHandler = (request: ApiRequest) => Promise<ApiResponse>;
