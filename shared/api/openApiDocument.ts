import { z } from 'zod';
import { BudgetSchema } from '../domain/policy';
import {
  ErrorBodySchema,
  HealthSchema,
  HistoryPageSchema,
  PauseBodySchema,
  PolicyBodySchema,
  ResumeBodySchema,
  PoolDetailSchema,
  PoolListSchema,
  ScaleBodySchema,
} from './schemas';
import { HISTORY_DEFAULT_LIMIT, HISTORY_MAX_LIMIT } from './schemas';

type JsonSchema = Record<string, unknown>;

/** Request shapes are documented as the client writes them (`"5m"` durations), responses as sent. */
function schema(zodSchema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(zodSchema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const ok = (name: string, description: string) => ({ description, ...jsonContent(name) });
const problem = (description: string) => ({ description, ...jsonContent('Error') });
const poolIdParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' },
};
const common = { '400': problem('Invalid request: every problem names its field'), '403': problem('Not allowed') };
const notFound = { '404': problem('Unknown pool') };
const conflict = { '409': problem('Conflict with another writer or the pool state (paused, disabled); nothing was applied') };
const stale = { '412': problem('If-Match names another revision than the stored one: read the pool again (the ETag header has the current one)') };
const etagHeader = { headers: { ETag: { description: 'The policy revision, for If-Match', schema: { type: 'string' } } } };
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  schema: { type: 'string' },
  description: 'The ETag of the revision the change is based on (412 when it is no longer current), or `*` (the pool must exist). Absent: unconditional, last write wins',
};

let cached: JsonSchema | undefined;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas (built once). */
export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'poolscale API',
      version: '1',
      description:
        'Status, history, manual scaling, pause/resume and policy management of poolscale worker pools. POST and PUT require `content-type: application/json`, with or without a body.',
    },
    security: [{ sigv4: [] }],
    paths: {
      '/health': { get: { summary: 'Liveness', responses: { '200': ok('Health', 'Alive') } } },
      '/pools': {
        get: {
          summary: 'List pools with their desired and ready counts and last action',
          parameters: [{ name: 'status', in: 'query', schema: { type: 'string', enum: ['true', 'false'], default: 'true' }, description: '`false` skips the live target reads (no `ready`)' }],
          responses: { '200': ok('PoolList', 'Pools'), ...common },
        },
      },
      '/pools/{id}': {
        parameters: [poolIdParameter],
        get: {
          summary: 'A pool: policy (with its revision), state and last decision with its reasons',
          responses: { '200': { ...ok('PoolDetail', 'The pool'), ...etagHeader }, ...common, ...notFound },
        },
        put: {
          summary: 'Create or replace a pool policy',
          parameters: [
            ifMatch,
            { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string', enum: ['*'] }, description: '`*`: create only, 412 when the pool exists' },
          ],
          requestBody: { required: true, ...jsonContent('PolicyBody') },
          responses: { '200': { ...ok('PoolDetail', 'Stored'), ...etagHeader }, ...common, ...stale },
        },
        delete: { summary: 'Delete a pool policy and its state', parameters: [ifMatch], responses: { '204': { description: 'Deleted' }, ...common, ...notFound, ...stale } },
      },
      '/pools/{id}/history': {
        parameters: [poolIdParameter],
        get: {
          summary: 'Decisions, newest first',
          parameters: [
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: HISTORY_MAX_LIMIT, default: HISTORY_DEFAULT_LIMIT } },
            { name: 'before', in: 'query', schema: { type: 'string' }, description: 'Epoch ms or ISO 8601: decisions strictly before' },
          ],
          responses: { '200': ok('HistoryPage', 'A page of decisions'), ...common, ...notFound },
        },
      },
      '/pools/{id}/scale': {
        parameters: [poolIdParameter],
        post: {
          summary: 'Set the desired count by hand; the policy resumes after durationSeconds',
          requestBody: { required: true, ...jsonContent('ScaleBody') },
          responses: {
            '200': ok('PoolDetail', 'Applied and recorded in the history (`outcome` says what the target was asked)'),
            ...common,
            ...notFound,
            ...conflict,
            '502': problem('The target refused the change; the override stays recorded and the next tick retries it'),
          },
        },
      },
      '/pools/{id}/pause': {
        parameters: [poolIdParameter],
        post: {
          summary: 'Stop acting on the pool (decisions are still recorded)',
          requestBody: { required: false, ...jsonContent('PauseBody') },
          responses: { '200': ok('PoolDetail', 'Paused'), ...common, ...notFound },
        },
      },
      '/pools/{id}/resume': {
        parameters: [poolIdParameter],
        post: {
          summary: 'Resume policy control: clears the pause; a manual override stays unless `clearManual` is true (the `resume` field says which)',
          requestBody: { required: false, ...jsonContent('ResumeBody') },
          responses: { '200': ok('PoolDetail', 'Resumed'), ...common, ...notFound },
        },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4 (API Gateway IAM auth)' } },
      schemas: {
        ScaleBody: schema(ScaleBodySchema, 'input'),
        PauseBody: schema(PauseBodySchema, 'input'),
        ResumeBody: schema(ResumeBodySchema, 'input'),
        PolicyBody: schema(PolicyBodySchema, 'input'),
        Budget: schema(BudgetSchema, 'input'),
        Error: schema(ErrorBodySchema, 'output'),
        PoolList: schema(PoolListSchema, 'output'),
        PoolDetail: schema(PoolDetailSchema, 'output'),
        HistoryPage: schema(HistoryPageSchema, 'output'),
        Health: schema(HealthSchema, 'output'),
      },
    },
  };
  return cached;
}
