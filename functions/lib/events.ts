/**
 * The event shapes the functions accept, as zod schemas on top of Powertools' EventBridge
 * schema, so a malformed or unexpected event is recognised and logged instead of half-handled.
 */
import { EventBridgeSchema } from '@aws-lambda-powertools/parser/schemas/eventbridge';
import { z } from 'zod';

/** An EventBridge schedule rule firing (`rate(1 minute)`). */
export const ScheduledEventSchema = EventBridgeSchema.extend({
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
});

const AlarmStateSchema = z.looseObject({
  value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']),
  reason: z.string().optional(),
  timestamp: z.string().optional(),
});

/** CloudWatch's "Alarm State Change" event, as EventBridge delivers it. */
export const AlarmStateChangeEventSchema = EventBridgeSchema.extend({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  detail: z.looseObject({
    alarmName: z.string().min(1),
    state: AlarmStateSchema,
    previousState: AlarmStateSchema.optional(),
  }),
});

export const EvaluateEventSchema = z.union([ScheduledEventSchema, AlarmStateChangeEventSchema]);

export type ScheduledEvent = z.output<typeof ScheduledEventSchema>;
export type AlarmStateChangeEvent = z.output<typeof AlarmStateChangeEventSchema>;
export type EvaluateEvent = z.output<typeof EvaluateEventSchema>;

/**
 * The fields of an API Gateway HTTP API (payload v2) event the API and relay use. Looser than
 * the full AWS shape on purpose: a field we do not read must never make a request fail.
 */
export const HttpEventSchema = z.looseObject({
  rawPath: z.string(),
  rawQueryString: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  queryStringParameters: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional().default(false),
  requestContext: z.looseObject({
    requestId: z.string().optional(),
    stage: z.string().optional(),
    http: z.looseObject({ method: z.string(), path: z.string().optional(), sourceIp: z.string().optional() }),
    authorizer: z
      .looseObject({ iam: z.looseObject({ userArn: z.string().optional() }).nullish() })
      .nullish(),
  }),
});

export type HttpEvent = z.output<typeof HttpEventSchema>;
