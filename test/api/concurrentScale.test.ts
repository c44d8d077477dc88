/**
 * 100 concurrent manual scale calls through the API Lambda handler as deployed (env-built deps,
 * DynamoDB on dynalite, ECS at the SDK): every 2xx answer is a change that was decided on,
 * applied and recorded in the history; every other answer is a 409 (issue 10, item 8). Its own
 * file: under contention it takes tens of seconds.
 */
import { describe, expect, it } from 'vitest';
import { ecsPool, lambdaApiHarness } from './lambdaApiHarness';

describe('Module: functions/api.ts handler, concurrent manual scales', () => {
  const lambda = lambdaApiHarness('concurrent-scale');
  const call = lambda.call;
  const ecs = { updates: () => lambda.ecs.updates() };

  it('100 concurrent scale calls: every 2xx is an applied change present in the history, the rest are 409', async () => {
    // Prepare
    await call('PUT', '/pools/crowd', ecsPool('crowd', { max: 50 }));
    const before = ecs.updates().length;
    const desiredOf = (index: number) => 3 + (index % 40);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, index) => call('POST', '/pools/crowd/scale', { desired: desiredOf(index), reason: `call-${index}` })),
    );

    // Assess
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 200 && status !== 409), JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 409).slice(0, 2))).toEqual([]);
    const accepted = answers.flatMap((answer, index) => (answer.status === 200 ? [index] : []));
    expect(accepted.length).toBeGreaterThan(0);
    const history = (await call('GET', '/pools/crowd/history?limit=500')).body.decisions as { desired: number; trigger?: string; reasons: { code: string; message: string }[] }[];
    const updates = ecs.updates().slice(before).filter((update) => update.service === 'crowd-svc');
    for (const index of accepted) {
      const decision = history.find((d) => d.trigger === 'manual' && d.reasons.some((r) => r.code === 'manual' && r.message.includes(`(call-${index})`)));
      expect(decision, `call-${index} answered 200 but is not in the history`).toBeDefined();
      expect(decision!.desired).toBe(desiredOf(index));
      expect(answers[index]!.body.outcome).toMatchObject({ desired: desiredOf(index) });
    }
    // Every UpdateService was asked by a decision in the history, and the accepted calls that
    // changed the count are among them.
    const changed = accepted.filter((index) => answers[index]!.body.outcome.acted);
    expect(updates.length).toBeGreaterThanOrEqual(changed.length);
    expect(history.filter((d) => d.trigger === 'manual').length).toBeGreaterThanOrEqual(accepted.length);
    console.info(`100 concurrent scale calls: ${accepted.length} x 200, ${statuses.length - accepted.length} x 409, ${updates.length} UpdateService`);
  }, 120_000);
});
