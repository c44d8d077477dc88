import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QueueModel } from '../../shared/sim/queueModel';
import { parseTrace } from '../../shared/sim/trace';

const settings = { serviceSeconds: 30, startupSeconds: 60, initialWorkers: 2, sloSeconds: 60, hostMemoryGb: 64, workerMemoryGb: 2 };
const traceOf = (arrivals: number[]) => parseTrace(`t_seconds,arrivals\n${arrivals.map((a, i) => `${i * 60},${a}`).join('\n')}\n`);

describe('Class: QueueModel', () => {
  it('computes demand per row as ceil(arrivals * service / row seconds)', () => {
    // Act
    const model = new QueueModel(traceOf([0, 1, 4, 5]), settings);

    // Assess
    expect([...model.demand]).toEqual([0, 1, 2, 3]);
  });

  it.each([
    { case: 'enough workers', arrivals: [12, 12, 12], workers: 10, offered: 6 },
    { case: 'saturated: utilization stops at 1, the offered load does not', arrivals: [240, 240, 240], workers: 2, offered: 120 },
    { case: 'idle', arrivals: [0, 0, 0], workers: 2, offered: 0 },
  ])('observes the offered load of the last interval (Little: arrival rate x job seconds): $case', ({ arrivals, workers, offered }) => {
    // Prepare
    const model = new QueueModel(traceOf(arrivals), { ...settings, initialWorkers: workers });

    // Act: one interval of 60 s, then the observation the evaluation reads.
    model.advanceTo(60);
    model.snapshot();

    // Assess
    expect(model.observe('offered_load')).toBeCloseTo(offered, 9);
    expect(model.observe('arrival_rate')).toBeCloseTo(arrivals[0]! / 60, 9);
    if (offered > workers) expect(model.observe('utilization')).toBe(1);
  });

  it.each([
    { case: 'half a job a minute (a rescaled trace)', arrivals: Array.from({ length: 600 }, () => 0.5), jobs: 300 },
    { case: 'a seventh of a busy trace', arrivals: [71.4, 2.3, 0.9, 15.15, 0.25], jobs: 90 },
    { case: 'whole numbers (unchanged)', arrivals: [3, 0, 7, 1], jobs: 11 },
    { case: 'ten rows of 0.1 (a floating-point sum of 0.9999999999999999)', arrivals: Array.from({ length: 10 }, () => 0.1), jobs: 1 },
    { case: '30,000 rows of 0.1', arrivals: Array.from({ length: 30_000 }, () => 0.1), jobs: 3000 },
  ])('lets fractional arrivals carry over from row to row, losing no job: $case', ({ arrivals, jobs }) => {
    // Prepare
    const model = new QueueModel(traceOf(arrivals), settings);

    // Act
    model.advanceTo(arrivals.length * 60);

    // Assess: floor of the total, not the sum of each row's floor
    expect(model.counters().arrived).toBe(jobs);
  });

  it('serves jobs without waiting when capacity suffices', () => {
    // Prepare: 4 jobs/min at 30 s each need 2 workers.
    const model = new QueueModel(traceOf([4, 4, 4]), settings);

    // Act
    model.advanceTo(180);

    // Assess
    const waits = model.waits();
    expect(waits.jobs).toBe(12);
    expect(waits.p95).toBe(0);
    expect(waits.overSlo).toBe(0);
    expect(model.supply[0]).toBe(2);
    expect(model.workerSeconds).toBe(2 * 180);
  });

  it('starts new workers only after the startup delay', () => {
    // Prepare
    const model = new QueueModel(traceOf([0, 0, 0]), settings);

    // Act
    model.setDesired(5);
    const starting = model.status();
    model.advanceTo(61);

    // Assess
    expect(starting).toMatchObject({ desired: 5, ready: 2, pending: 3 });
    expect(model.status()).toMatchObject({ desired: 5, ready: 5, pending: 0 });
  });

  it('removes idle workers first and lets busy ones finish their job', () => {
    // Prepare: 4 workers, all busy with 30 s jobs (2 jobs/s arrive).
    const model = new QueueModel(traceOf([120, 0, 0]), { ...settings, initialWorkers: 4 });
    model.advanceTo(5);
    expect(model.counters().busy).toBe(4);

    // Act: scale in to 1 while all 4 are busy.
    model.setDesired(1);
    const during = model.counters();
    model.advanceTo(40);

    // Assess: 3 drain (finish, then leave); no job is lost.
    expect(during).toMatchObject({ ready: 1, draining: 3 });
    expect(model.counters().draining).toBe(0);
    expect(model.counters().ready).toBe(1);
  });

  it('reports the host memory model and the backlog', () => {
    // Prepare: no workers, 10 jobs queued.
    const model = new QueueModel(traceOf([600]), { ...settings, initialWorkers: 0 });

    // Act
    model.advanceTo(1);
    model.snapshot();

    // Assess
    expect(model.observe('queue_length')).toBe(10);
    expect(model.observe('utilization')).toBe(1);
    expect(model.observe('mem_available_gb')).toBe(64);
  });

  it('conserves jobs, keeps waits >= 0 and never serves with more than desired + draining', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 0, max: 120 }),
        (arrivals, desires, service, startup) => {
          const trace = traceOf(arrivals);
          const model = new QueueModel(trace, { ...settings, serviceSeconds: service, startupSeconds: startup });
          const step = trace.endSeconds / desires.length;
          desires.forEach((desired, i) => {
            model.advanceTo(Math.round(i * step));
            model.setDesired(desired);
            const c = model.counters();
            const status = model.status();
            expect(c.ready).toBeLessThanOrEqual(status.desired);
            expect(c.ready + c.draining).toBeGreaterThanOrEqual(c.busy);
            expect(c.draining).toBeLessThanOrEqual(c.busy);
          });
          model.advanceTo(trace.endSeconds);
          const c = model.counters();
          expect(c.arrived).toBe(arrivals.reduce((a, b) => a + b, 0));
          expect(c.completed + c.busy + c.queued).toBe(c.arrived);
          const waits = model.waits();
          expect(waits.p95).toBeGreaterThanOrEqual(0);
          expect(waits.mean).toBeGreaterThanOrEqual(0);
          expect(waits.overSlo).toBeGreaterThanOrEqual(0);
          expect(waits.overSlo).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 200 },
    );
  });
});
