import { z } from 'zod';
import { BudgetSchema } from '../domain/policy';
import {
  ErrorBodySchema,
  HealthSchema,
  HistoryPageSchema,
  PauseBodySchema,
  PolicyBodySchema,
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

let cached: JsonSchema | undefined;

/** The OpenAPI 3.1 document of the API, generated from the zod schemas (built once). */
export function openApiDocument(): JsonSchema {
  cached ??= {
    openapi: '3.1.0',
    info: {
      title: 'poolscale API',
      version: '1',
      description: 'Status, history, manual scaling, pause/resume and policy management of poolscale worker pools.',
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
        get: { summary: 'A pool: policy, state and last decision with its reasons', responses: { '200': ok('PoolDetail', 'The pool'), ...common, ...notFound } },
        put: {
          summary: 'Create or replace a pool policy',
          requestBody: { required: true, ...jsonContent('PolicyBody') },
          responses: { '200': ok('PoolDetail', 'Stored'), ...common },
        },
        delete: { summary: 'Delete a pool policy and its state', responses: { '204': { description: 'Deleted' }, ...common, ...notFound } },
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
          responses: { '200': ok('PoolDetail', 'Applied'), ...common, ...notFound },
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
        post: { summary: 'Resume policy control (clears pause and manual override)', responses: { '200': ok('PoolDetail', 'Resumed'), ...common, ...notFound } },
      },
      '/openapi.json': { get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    components: {
      securitySchemes: { sigv4: { type: 'apiKey', name: 'Authorization', in: 'header', description: 'AWS Signature Version 4 (API Gateway IAM auth)' } },
      schemas: {
        ScaleBody: schema(ScaleBodySchema, 'input'),
        PauseBody: schema(PauseBodySchema, 'input'),
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
