import { describe, expect, it } from 'vitest';
import { OpenLoopModel } from '../../shared/sim/openLoopModel';
import { parseTrace } from '../../shared/sim/trace';

const settings = { startupSeconds: 60, initialWorkers: 10, hostMemoryGb: 64, workerMemoryGb: 2 };

describe('Class: OpenLoopModel', () => {
  it.each([
    { case: 'busy gives free and utilization', text: 't_seconds,busy\n0,8\n', name: 'free', value: 2 },
    { case: 'busy gives utilization', text: 't_seconds,busy\n0,8\n', name: 'utilization', value: 0.8 },
    { case: 'free gives busy', text: 't_seconds,free\n0,3\n', name: 'busy', value: 7 },
    { case: 'cpu gives utilization', text: 't_seconds,cpu\n0,70\n', name: 'utilization', value: 0.7 },
    { case: 'the host model gives memory', text: 't_seconds,cpu\n0,70\n', name: 'mem_available_gb', value: 44 },
    { case: 'pending gives queue_length', text: 't_seconds,utilization,pending\n0,0.9,6\n', name: 'queue_length', value: 6 },
    { case: 'an empty cell is no value', text: 't_seconds,cpu,busy\n0,,3\n', name: 'cpu', value: undefined },
  ])('derives what the trace does not say: $case', ({ text, name, value }) => {
    // Prepare
    const model = new OpenLoopModel(parseTrace(text), settings);

    // Act
    model.snapshot();

    // Assess
    if (value === undefined) expect(model.observe(name)).toBeUndefined();
    else expect(model.observe(name)).toBeCloseTo(value);
  });

  it('replays the row in force at each time and takes demand from busy', () => {
    // Prepare
    const model = new OpenLoopModel(parseTrace('t_seconds,busy\n0,8\n60,12\n'), settings);

    // Act
    model.advanceTo(90);
    model.snapshot();
    const busy = model.observe('busy');
    model.advanceTo(120);

    // Assess
    expect(busy).toBe(12);
    expect([...model.demand]).toEqual([8, 12]);
    expect([...model.supply]).toEqual([10, 10]);
    expect(model.workerSeconds).toBe(10 * 120);
  });

  it('serves new workers after the startup delay and removes workers at once', () => {
    // Prepare
    const model = new OpenLoopModel(parseTrace('t_seconds,busy\n0,1\n60,1\n120,1\n'), settings);

    // Act
    model.setDesired(15);
    model.advanceTo(30);
    const starting = model.status();
    model.advanceTo(60);
    const started = model.status();
    model.setDesired(4);

    // Assess
    expect(starting).toMatchObject({ desired: 15, ready: 10, pending: 5 });
    expect(started).toMatchObject({ desired: 15, ready: 15, pending: 0 });
    expect(model.status()).toMatchObject({ desired: 4, ready: 4 });
  });
});
