import { describe, expect, it } from 'vitest';
import { parseTrace, spacingWarning, parseTraceLines, rowAt, TraceError } from '../../shared/sim/trace';

describe('Function: parseTrace', () => {
  it.each([
    { case: 'closed loop arrivals', text: 't_seconds,arrivals\n0,5\n60,7\n', kind: 'closed', rows: 2, column: 'arrivals', values: [5, 7] },
    { case: 'open loop busy with a comment and blank line', text: '# bots\nt_seconds,busy\n\n0,8\n30,9\n', kind: 'open', rows: 2, column: 'busy', values: [8, 9] },
    { case: 'open loop empty cell is a missing sample', text: 't_seconds,cpu,mem_available_gb\n0,70,\n60,,12\n', kind: 'open', rows: 2, column: 'cpu', values: [70, Number.NaN] },
    { case: 'CRLF line endings', text: 't_seconds,utilization,pending\r\n0,0.9,3\r\n60,0.1,0\r\n', kind: 'open', rows: 2, column: 'utilization', values: [0.9, 0.1] },
  ])('reads $case', ({ text, kind, rows, column, values }) => {
    // Act
    const trace = parseTrace(text);

    // Assess
    expect(trace.kind).toBe(kind);
    expect(trace.rows).toBe(rows);
    expect([...trace.columns[column]!]).toEqual(values);
  });

  it.each([
    { case: 'non-numeric arrivals', text: 't_seconds,arrivals\n0,5\n60,many\n', message: /line 3, column "arrivals": expected a decimal number \(got "many"\)/ },
    { case: 'a hexadecimal number', text: 't_seconds,arrivals\n0,5\n60,0x10\n', message: /line 3, column "arrivals": expected a decimal number \(got "0x10"\)/ },
    { case: 'a binary number', text: 't_seconds,arrivals\n0,0b101\n', message: /line 2, column "arrivals": expected a decimal number/ },
    { case: 'rows under 1 s apart', text: 't_seconds,arrivals\n0,1\n0.5,1\n', message: /line 3, column "t_seconds": rows must be at least 1 s apart/ },
    { case: 'non-increasing t', text: 't_seconds,arrivals\n0,5\n60,1\n60,2\n', message: /line 4, column "t_seconds": t_seconds must increase \(got 60 after 60\)/ },
    { case: 'missing cells', text: 't_seconds,busy,free\n0,5\n', message: /line 2: expected 3 cells/ },
    { case: 'utilization above 1', text: 't_seconds,utilization\n0,1.5\n', message: /line 2, column "utilization": expected a utilization ratio/ },
    { case: 'negative arrivals', text: 't_seconds,arrivals\n0,-1\n', message: /line 2, column "arrivals": expected a non-negative/ },
    { case: 'empty arrivals cell', text: 't_seconds,arrivals\n0,\n', message: /line 2, column "arrivals": empty cell/ },
    { case: 'wrong first column', text: 'time,arrivals\n0,1\n', message: /line 1, column "time": the first column must be `t_seconds`/ },
    { case: 'arrivals mixed with metrics', text: 't_seconds,arrivals,busy\n0,1,1\n', message: /column "busy": a closed-loop trace has only `arrivals`/ },
    { case: 'header only', text: 't_seconds,arrivals\n', message: /no rows/ },
    { case: 'empty file', text: '', message: /empty trace/ },
  ])('refuses $case naming line and column', ({ text, message }) => {
    // Act / Assess
    expect(() => parseTrace(text)).toThrow(TraceError);
    expect(() => parseTrace(text)).toThrow(message);
  });

  it.each([
    { case: 'decimals and exponents', text: 't_seconds,arrivals\n0,1.5\n60,2e3\n120,.5\n180,+4\n', arrivals: [1.5, 2000, 0.5, 4] },
  ])('reads $case', ({ text, arrivals }) => {
    expect([...parseTrace(text).columns.arrivals!]).toEqual(arrivals);
  });

  it('derives the row length and the end from the spacing of the rows', () => {
    // Act
    const trace = parseTrace('t_seconds,arrivals\n0,1\n60,2\n120,3\n');

    // Assess
    expect(trace.lastRowSeconds).toBe(60);
    expect(trace.endSeconds).toBe(180);
    expect(rowAt(trace, 0)).toBe(0);
    expect(rowAt(trace, 119)).toBe(1);
    expect(rowAt(trace, 500)).toBe(2);
  });

  it('streams 40 000 rows line by line', async () => {
    // Prepare
    function* lines() {
      yield 't_seconds,arrivals';
      for (let i = 0; i < 40_000; i += 1) yield `${i * 60},${i % 100}`;
    }

    // Act
    const trace = await parseTraceLines(lines());

    // Assess
    expect(trace.rows).toBe(40_000);
    expect(trace.columns.arrivals![39_999]).toBe(99);
    expect(trace.endSeconds).toBe(40_000 * 60);
  });
});

describe('Function: spacingWarning', () => {
  const trace = (t: number[]) => parseTrace(`t_seconds,arrivals\n${t.map((x) => `${x},1`).join('\n')}\n`);
  it.each([
    { case: 'even 60 s rows', t: [0, 60, 120, 180], warning: undefined },
    { case: 'even 10 s rows', t: [0, 10, 20, 30], warning: undefined },
    { case: 'two rows', t: [0, 600], warning: undefined },
    { case: 'decimal timestamps 1.1 s apart', t: [0, 1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7, 8.8, 9.9], warning: undefined },
    { case: 'a missing minute', t: [0, 60, 180, 240, 300], warning: /most are 60 s apart, but 1 is not \(the first: t_seconds 60 is followed 120 s later\)/ },
    { case: 'several gaps', t: [0, 60, 120, 600, 660, 720, 1200], warning: /but 2 are not \(the first: t_seconds 120 is followed 480 s later\).*write rows of 0/ },
  ])('$case', ({ t, warning }) => {
    const found = spacingWarning(trace(t));
    if (warning === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(warning);
  });
});
