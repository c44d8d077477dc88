/**
 * Issue 13 (terminal): `poolscale up`'s line per pool leads with what matters (FAILED, PAUSED,
 * OVERRIDE), a failed action is not shown as `scale_up`, a line wider than the terminal loses
 * its middle and never its end, no width known prints it whole, and control characters from
 * data never reach the terminal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, Reason } from '../../shared/domain/types';
import { ELLIPSIS, LiveBoard, boardEntry, boardLines, entryLine, fitLine } from '../../shared/cli/statusBoard';
import { stripControl } from '../../shared/cli/io';

const AT = Date.UTC(2026, 10, 27, 12, 0, 0);
const QUEUE: Reason = { code: 'rule.target', message: 'queue_length 27 / 10 per worker -> 3' };
const FREE: Reason = { code: 'rule.buffer', message: 'free 0 (1 ready - 1 busy) < minFree 1: +1 (batch) -> 2' };
const SCALE: Reason = { code: 'scale.up', message: 'scale up 1 -> 3' };
const FAILED: Reason = { code: 'action.failed', message: 'scaling to 3 failed: Agent "local" is not registered; retried from fresh status next tick' };

function decision(poolId: string, over: Partial<Decision> = {}): Decision {
  return { poolId, at: AT, current: 1, desired: 3, action: 'scale_up', dryRun: false, reasons: [QUEUE, FREE, SCALE], proposals: [], ...over };
}
const bounds = (id: string) => ({ id, min: 1, max: 8 });

describe('Status board: one line per pool', () => {
  it.each([
    {
      case: 'a scale up',
      decision: decision('demo'),
      ready: 1,
      line: 'demo  desired 3  ready 1  [1..8]  scale_up  queue_length 27 / 10 per worker -> 3; free 0 (1 ready - 1 busy) < minFree 1: +1 (batch) -> 2; scale up 1 -> 3',
    },
    {
      case: 'a failed scale up: FAILED first, the action is "failed" with its error, before the reasons',
      decision: decision('demo', { reasons: [QUEUE, SCALE, FAILED] }),
      ready: undefined,
      line: 'FAILED  demo  desired 1  ready ?  [1..8]  failed: Agent "local" is not registered  queue_length 27 / 10 per worker -> 3; scale up 1 -> 3',
    },
    {
      case: 'a paused pool',
      decision: decision('demo', { action: 'none', desired: 1, reasons: [{ code: 'paused', message: 'paused by ops (deploy): hands off, holding 1' }] }),
      ready: 1,
      line: 'PAUSED  demo  desired 1  ready 1  [1..8]  none  paused by ops (deploy): hands off, holding 1',
    },
    {
      case: 'a manual override',
      decision: decision('demo', { desired: 5, reasons: [{ code: 'manual', message: 'manual override by cli (incident): 5 until resumed' }, SCALE] }),
      ready: 3,
      line: 'OVERRIDE  demo  desired 5  ready 3  [1..8]  scale_up  manual override by cli (incident): 5 until resumed; scale up 1 -> 3',
    },
    {
      case: 'a decision that could not read a metric',
      decision: decision('demo', {
        action: 'none',
        desired: 1,
        reasons: [{ code: 'data.missing', message: 'missing or stale: busy: no scale-in this tick' }],
        metricErrors: [{ metric: 'busy', source: 'redis', errorClass: 'NoKey', message: 'GET busy: key busy does not exist' }],
      }),
      ready: 1,
      line: 'STALE  demo  desired 1  ready 1  [1..8]  none  missing or stale: busy: no scale-in this tick',
    },
    {
      case: 'escape sequences in an id, a reason and an error are dropped, other controls shown as ?',
      decision: decision('de\u001b[31mmo\u0007', {
        reasons: [{ code: 'x', message: 'red \u001b[31mtext\u001b[0m \u001b]0;title\u0007done\r' }, { code: 'action.failed', message: 'boom \u009b2J\u001b[1A' }],
      }),
      ready: 0,
      line: 'FAILED  demo?  desired 1  ready 0  [1..8]  failed: boom   red text done?',
    },
  ])('$case', ({ decision: d, ready, line }) => {
    const entry = boardEntry(d, bounds(d.poolId), ready === undefined ? undefined : { ready });
    expect(entryLine(entry)).toBe(line);
  });

  it('orders failures first, then stale, paused, disabled, overridden, then the rest, by id; columns line up', () => {
    const entries = [
      boardEntry(decision('zeta'), bounds('zeta'), { ready: 3 }),
      boardEntry(decision('alpha', { action: 'none', reasons: [{ code: 'manual', message: 'manual' }] }), bounds('alpha')),
      boardEntry(decision('mid', { reasons: [{ code: 'paused', message: 'paused' }] }), bounds('mid')),
      boardEntry(decision('broken', { reasons: [SCALE, FAILED] }), bounds('broken')),
      boardEntry(decision('beta', { reasons: [{ code: 'disabled', message: 'disabled' }] }), bounds('beta')),
      boardEntry(decision('gamma', { metricErrors: [{ metric: 'busy', source: 'redis', errorClass: 'NoKey', message: 'x' }] }), bounds('gamma')),
    ];
    const lines = boardLines(entries);
    expect(lines.map((l) => l.trim().split(/\s+/).slice(0, 2).join(' '))).toEqual(['FAILED broken', 'STALE gamma', 'PAUSED mid', 'DISABLED beta', 'OVERRIDE alpha', 'zeta desired']);
    // The id column starts at the same place on every line, and so does "desired".
    expect(new Set(lines.map((l) => l.indexOf(' desired ')))).toHaveLength(1);
  });
});

describe('Status board: fitting a line to the terminal', () => {
  const failedLine = entryLine(boardEntry(decision('demo', { reasons: [QUEUE, FREE, SCALE, FAILED] }), bounds('demo')));

  it.each([
    { case: 'no width known (0): whole, last character kept', text: 'abcdef', columns: 0, keepStart: 0, out: 'abcdef' },
    { case: 'no width known (undefined): whole', text: 'abcdef', columns: undefined, keepStart: 0, out: 'abcdef' },
    { case: 'fits with a column to spare', text: 'abcdef', columns: 7, keepStart: 0, out: 'abcdef' },
    { case: 'exactly the width: elided (the last column stays free)', text: 'abcdefghij', columns: 10, keepStart: 0, out: 'abcd…ghij' },
    { case: 'wider: the middle goes, start and end stay', text: 'start-0123456789-end', columns: 11, keepStart: 0, out: 'start…-end' },
    { case: 'keepStart keeps more of the start than half', text: 'HEAD:abcdefghijklmnopqrstuvwxyz', columns: 16, keepStart: 9, out: 'HEAD:abcd…vwxyz' },
    { case: 'keepStart longer than the width: a quarter still for the end', text: 'a-very-long-head-that-does-not-fit|tail', columns: 13, keepStart: 30, out: 'a-very-l…ail' },
    { case: 'keepStart on a wide terminal: 12 characters for the end', text: `${'h'.repeat(90)}|${'t'.repeat(30)}`, columns: 100, keepStart: 90, out: `${'h'.repeat(86)}…${'t'.repeat(12)}` },
    { case: 'a tiny terminal', text: 'abcdef', columns: 3, keepStart: 0, out: 'ab' },
    { case: 'surrogate pairs are not split', text: '😀😀😀😀😀😀😀😀', columns: 6, keepStart: 0, out: '😀😀…😀😀' },
  ])('$case', ({ text, columns, keepStart, out }) => {
    expect(fitLine(text, columns, keepStart)).toBe(out);
  });

  it('a failed line at 100 columns keeps FAILED, the id, the counts and the error (issue 13\'s case)', () => {
    const fitted = fitLine(failedLine, 100, failedLine.indexOf('  queue_length'));
    const board = boardLines([boardEntry(decision('demo', { reasons: [QUEUE, FREE, SCALE, FAILED] }), bounds('demo'))], 100)[0]!;

    expect(board).toBe(fitted);
    expect(Array.from(board)).toHaveLength(99);
    expect(board).toMatch(/^FAILED {2}demo {2}desired 1 {2}ready \? {2}\[1\.\.8\] {2}failed: Agent "local" is not registered/);
    expect(board).toContain(ELLIPSIS);
    expect(board.endsWith('scale up 1 -> 3')).toBe(true);
    expect(board).not.toContain('scale_up');
  });

  it('property: at most columns-1 characters, the start and the end of the text kept, … only when shortened', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.integer({ min: 0, max: 150 }), fc.nat(200), (text, columns, keepStart) => {
        const out = fitLine(text, columns, keepStart);
        if (columns === 0 || text.length < columns) {
          expect(out).toBe(text);
          return;
        }
        expect(out.length).toBeLessThanOrEqual(Math.max(1, columns - 1));
        if (columns - 1 < 3) return;
        const [head, tail] = out.split(ELLIPSIS) as [string, string];
        expect(out.split(ELLIPSIS)).toHaveLength(2);
        expect(text.startsWith(head)).toBe(true);
        expect(text.endsWith(tail)).toBe(true);
        expect(head.length).toBeGreaterThanOrEqual(Math.ceil((columns - 2) / 2));
        expect(tail.length).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe('Status board: live on a terminal, plain lines otherwise', () => {
  it('on a terminal: redraws every pool in place, failures first, fitted to the width', () => {
    const written: string[] = [];
    const board = new LiveBoard({ write: (t) => written.push(t), columns: () => 60 }, () => expect.unreachable('no plain line on a terminal'));

    board.update(boardEntry(decision('web'), bounds('web'), { ready: 1 }));
    board.update(boardEntry(decision('demo', { reasons: [QUEUE, SCALE, FAILED] }), bounds('demo')));

    expect(written[0]).toMatch(/^\u001b\[2Kweb {2}desired 3 .*\n$/);
    // The second draw moves up over the one line drawn, then draws both, the failure first.
    const second = written[1]!.split('\n');
    expect(second[0]).toMatch(/^\u001b\[1F\u001b\[2KFAILED {2}demo {2}desired 1/);
    expect(second[1]).toMatch(/^\u001b\[2K {8}web {2}/);
    for (const line of second.slice(0, 2)) expect(Array.from(stripControl(line).replace(/\?\[\d?[FK]/g, '')).length).toBeLessThanOrEqual(59);
  });

  it('a message while the board is live goes above it: the board is erased, the message printed, the board drawn again below', () => {
    const screen: string[] = [];
    const board = new LiveBoard({ write: (t) => screen.push(t), columns: () => 0 }, () => {});
    board.note(() => screen.push('before any board\n'));
    board.update(boardEntry(decision('web'), bounds('web'), { ready: 1 }));
    board.update(boardEntry(decision('api'), bounds('api'), { ready: 1 }));

    board.note(() => screen.push('warn: metrics not fresh\n'));
    board.update(boardEntry(decision('api'), bounds('api'), { ready: 2 }));
    board.close();
    board.note(() => screen.push('poolscale up: stopped\n'));

    expect(screen.slice(0, 3)).toEqual(['before any board\n', expect.stringMatching(/^\u001b\[2Kweb /), expect.stringMatching(/^\u001b\[1F\u001b\[2Kapi .*\n\u001b\[2Kweb /)]);
    // Up over the 2 lines drawn, erase to the end of the screen, the message, the board again (no move up).
    expect(screen[3]).toBe('\u001b[2F\u001b[J');
    expect(screen[4]).toBe('warn: metrics not fresh\n');
    expect(screen[5]).toMatch(/^\u001b\[2Kapi .*\n\u001b\[2Kweb .*\n$/);
    // The next redraw moves up over the 2 board lines only, never over the message.
    expect(screen[6]).toMatch(/^\u001b\[2F\u001b\[2Kapi {2}desired 3 {2}ready 2/);
    // After close, output goes below the board as it stands.
    expect(screen[7]).toBe('poolscale up: stopped\n');
    expect(screen).toHaveLength(8);
  });

  it('without a terminal a message is just printed', () => {
    const printed: string[] = [];
    const board = new LiveBoard(undefined, (line) => printed.push(line));
    board.update(boardEntry(decision('web'), bounds('web'), { ready: 1 }));
    board.note(() => printed.push('warn: x'));
    expect(printed).toEqual([expect.stringMatching(/Z web {2}desired 3/), 'warn: x']);
  });

  it('without a terminal: one line per scaling action with its time, a failed one included, holds not printed', () => {
    const printed: string[] = [];
    const board = new LiveBoard(undefined, (line) => printed.push(line));

    board.update(boardEntry(decision('demo', { action: 'none', desired: 1, reasons: [{ code: 'hold', message: 'no change: 1 worker(s)' }] }), bounds('demo')));
    board.update(boardEntry(decision('demo'), bounds('demo'), { ready: 1 }));
    board.update(boardEntry(decision('demo', { reasons: [QUEUE, SCALE, FAILED] }), bounds('demo')));

    expect(printed).toEqual([
      '2026-11-27T12:00:00.000Z demo  desired 3  ready 1  [1..8]  scale_up  queue_length 27 / 10 per worker -> 3; free 0 (1 ready - 1 busy) < minFree 1: +1 (batch) -> 2; scale up 1 -> 3',
      '2026-11-27T12:00:00.000Z FAILED  demo  desired 1  ready ?  [1..8]  failed: Agent "local" is not registered  queue_length 27 / 10 per worker -> 3; scale up 1 -> 3',
    ]);
  });
});
