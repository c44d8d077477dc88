import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluateHandler } from '../../functions/evaluate';
import { startDynalite, type Dynalite } from '../support/dynalite';
import { countingMetrics, dynamoRuntime, ecsPolicy, fixture, mockEcs, recordingLogger } from './support';

// The fixtures' own times, so the runtime's clock agrees with the events.
const ALARM_AT = Date.parse('2026-11-23T12:00:30Z');

describe('Function: createEvaluateHandler', () => {
  let dynalite: Dynalite;
  let ecsMock: ReturnType<typeof mockEcs>;

  beforeAll(async () => {
    dynalite = await startDynalite();
  });
  afterAll(async () => {
    await dynalite.stop();
  });
  afterEach(() => {
    ecsMock?.ecs.restore();
  });

  const setup = async (options: { alarms?: string[] } = {}) => {
    ecsMock = mockEcs(2);
    const runtime = await dynamoRuntime(
      dynalite,
      [ecsPolicy({ id: 'web' }), ecsPolicy({ id: 'web-api', alarms: options.alarms ?? [] }), ecsPolicy({ id: 'bots', target: { kind: 'none' } })],
      () => ALARM_AT,
    );
    const logger = recordingLogger();
    const metrics = countingMetrics();
    const handler = createEvaluateHandler({ runtime: async () => runtime, logger, metrics });
    return { runtime, logger, metrics, handler };
  };

  describe('Event: CloudWatch Alarm State Change', () => {
    it('evaluates the pool named by the alarm at once and calls UpdateService for it only', async () => {
      // Prepare
      const { handler, runtime, metrics } = await setup();

      // Act
      const summary = await handler(fixture('alarm-state-change'));

      // Assess: `poolscale-web-api-queue-high` is pool web-api (longest id), not web.
      const updates = ecsMock.updates();
      expect(updates).toHaveLength(1);
      expect(updates[0]).toMatchObject({ cluster: 'prod', service: 'web-api-svc' });
      expect(updates[0]!.desiredCount).toBeGreaterThan(2);
      expect(summary).toMatchObject({ trigger: 'alarm:poolscale-web-api-queue-high', evaluated: 1, acted: [{ poolId: 'web-api', from: 2 }] });
      const [last] = await runtime.log.list('web-api', { limit: 1 });
      expect(last?.trigger).toBe('alarm:poolscale-web-api-queue-high');
      expect(metrics.flushes).toBe(1);
    });

    it('acts once when the same alarm event is delivered twice', async () => {
      // Prepare
      const { handler } = await setup();
      const event = fixture('alarm-state-change');

      // Act
      await handler(event);
      const second = await handler(structuredClone(event));

      // Assess
      expect(ecsMock.updates()).toHaveLength(1);
      expect(second.acted).toEqual([]);
      expect(second.skipped.duplicate_event).toEqual(['web-api']);
    });

    it('evaluates a pool that lists the alarm in its `alarms`', async () => {
      // Prepare
      const { handler } = await setup({ alarms: ['ops-celery-backlog'] });
      const event = fixture('alarm-state-change');
      event.detail.alarmName = 'ops-celery-backlog';

      // Act
      const summary = await handler(event);

      // Assess
      expect(summary.acted.map((a) => a.poolId)).toEqual(['web-api']);
      expect(ecsMock.updates()).toHaveLength(1);
    });

    it.each([
      { case: 'ALARM -> OK', value: 'OK' },
      { case: 'ALARM -> INSUFFICIENT_DATA', value: 'INSUFFICIENT_DATA' },
    ])('logs and ignores $case', async ({ value }) => {
      // Prepare
      const { handler, logger } = await setup();
      const event = fixture('alarm-state-change-ok');
      event.detail.state.value = value;

      // Act
      const summary = await handler(event);

      // Assess
      expect(summary.ignored).toBe(`alarm poolscale-web-api-queue-high is ${value}`);
      expect(ecsMock.ecs.calls()).toHaveLength(0);
      expect(logger.lines.some((line) => line.level === 'info' && line.extra?.state === value)).toBe(true);
    });

    it('warns about an alarm that maps to no pool and does not fail', async () => {
      // Prepare
      const { handler, logger } = await setup();
      const event = fixture('alarm-state-change');
      event.detail.alarmName = 'billing-estimated-charges';

      // Act
      const summary = await handler(event);

      // Assess
      expect(summary.ignored).toBe('alarm billing-estimated-charges maps to no pool');
      expect(logger.lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(['alarm maps to no pool']);
      expect(ecsMock.ecs.calls()).toHaveLength(0);
    });
  });

  describe('Event: Scheduled Event', () => {
    it('evaluates every due pool and acts once when the event is delivered twice', async () => {
      // Prepare
      const { handler, logger } = await setup();
      const event = fixture('scheduled-event');

      // Act
      const first = await handler(event);
      const second = await handler(structuredClone(event));

      // Assess
      expect(first.trigger).toBe('schedule');
      expect(first.evaluated).toBe(3);
      expect(first.acted.map((a) => a.poolId).sort()).toEqual(['bots', 'web', 'web-api']);
      expect(ecsMock.updates().map((u) => u.service).sort()).toEqual(['web-api-svc', 'web-svc']);
      expect(second.acted).toEqual([]);
      expect(second.evaluated).toBe(0);
      const poolLines = logger.lines.filter((line) => line.message === 'pool evaluated');
      expect(poolLines.map((line) => line.extra?.poolId).sort()).toEqual(['bots', 'web', 'web-api']);
    });
  });

  describe('Event: anything else', () => {
    it.each([
      { case: 'an EC2 state change', event: { ...fixture('scheduled-event'), 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2' } },
      { case: 'an empty object', event: {} },
      { case: 'null', event: null },
      { case: 'an alarm event without a state', event: { ...fixture('alarm-state-change'), detail: { alarmName: 'x' } } },
    ])('ignores $case with a warning and no AWS call', async ({ event }) => {
      // Prepare
      const { handler, logger } = await setup();

      // Act
      const summary = await handler(event);

      // Assess
      expect(summary.ignored).toBe('unrecognised event');
      expect(logger.lines.some((line) => line.level === 'warn')).toBe(true);
      expect(ecsMock.ecs.calls()).toHaveLength(0);
    });

    it('fails the invocation, logged and flushed, when the stores are unreachable', async () => {
      // Prepare
      const logger = recordingLogger();
      const metrics = countingMetrics();
      const handler = createEvaluateHandler({
        runtime: async () => {
          throw new Error('secret not readable');
        },
        logger,
        metrics,
      });

      // Act
      const outcome = handler(fixture('scheduled-event'));

      // Assess
      await expect(outcome).rejects.toThrow('secret not readable');
      expect(logger.lines.map((line) => line.message)).toContain('evaluation failed');
      expect(metrics.flushes).toBe(1);
    });
  });
});
