export { createApi } from './createApi';
export { openApiDocument } from './openApiDocument';
export { MAX_BODY_BYTES } from './schemas';
export type { ApiDeps, ApiHandler, ApiRequest, ApiResponse, RouteContext } from './types';
