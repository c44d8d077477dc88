/**
 * Trace reader. A trace is a CSV with `t_seconds` (seconds since the trace start, strictly
 * increasing) and either
 *  - `arrivals`: jobs arriving during the row (closed loop: the queue model turns them into
 *    busy workers, backlog and waits that depend on the capacity the policy provides), or
 *  - metric columns replayed as observed (open loop): `busy`, `free`, `cpu` (percent),
 *    `mem_available_gb`, `utilization` (0..1), `pending`, `queue_length`, or any other metric
 *    name. An empty cell is a missing sample (the metric read fails at that time).
 *
 * Each row lasts until the next row's `t_seconds`; the last row lasts as long as the one
 * before it (60 s for the shipped traces). Values are stored column-wise in Float64Arrays so
 * a month of per-minute rows costs a few hundred kilobytes.
 */
import { ValidationError } from '../domain/errors';

export const KNOWN_METRIC_COLUMNS = ['busy', 'free', 'cpu', 'mem_available_gb', 'utilization', 'pending', 'queue_length'] as const;

export interface Trace {
  kind: 'closed' | 'open';
  /** Row start times, seconds since the trace start. */
  t: Float64Array;
  /** Column values by name (`arrivals` or metric names), NaN for an empty open-loop cell. */
  columns: Record<string, Float64Array>;
  rows: number;
  /** Duration of the last row, seconds. */
  lastRowSeconds: number;
  /** End of the trace (t of the last row + its duration), seconds. */
  endSeconds: number;
}

/** Reading a trace failed; the message names the line and column. */
export class TraceError extends ValidationError {
  constructor(line: number, column: string, message: string) {
    super([{ path: `line ${line}${column ? `, column ${column}` : ''}`, message, severity: 'error' }], `trace line ${line}${column ? `, column "${column}"` : ''}: ${message}`);
  }
}

const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Checks the range of a known column; returns a message when the value is out of range. */
function rangeProblem(column: string, value: number): string | undefined {
  if (column === 'utilization' && (value < 0 || value > 1)) return `expected a utilization ratio between 0 and 1 (got ${value})`;
  if (column === 'cpu' && (value < 0 || value > 100)) return `expected CPU percent between 0 and 100 (got ${value})`;
  if ((column === 'arrivals' || column === 'busy' || column === 'free' || column === 'pending' || column === 'queue_length' || column === 'mem_available_gb') && value < 0) {
    return `expected a non-negative number (got ${value})`;
  }
  return undefined;
}

/** Incremental parser: feed lines in order, then `finish()`. Lets the CLI stream big files. */
export class TraceParser {
  private header: string[] | undefined;
  private line = 0;
  private capacity = 1024;
  private count = 0;
  private t = new Float64Array(this.capacity);
  private values: Float64Array[] = [];

  push(raw: string): void {
    this.line += 1;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) return;
    const cells = text.split(',').map((cell) => cell.trim());
    if (!this.header) {
      this.readHeader(cells);
      return;
    }
    const header = this.header;
    if (cells.length !== header.length) {
      throw new TraceError(this.line, '', `expected ${header.length} cells (${header.join(',')}), got ${cells.length}`);
    }
    if (this.count === this.capacity) this.grow();
    const t = this.number(cells[0]!, 't_seconds', false);
    if (t < 0) throw new TraceError(this.line, 't_seconds', `expected t_seconds >= 0 (got ${t})`);
    if (this.count > 0 && t <= this.t[this.count - 1]!) {
      throw new TraceError(this.line, 't_seconds', `t_seconds must increase (got ${t} after ${this.t[this.count - 1]})`);
    }
    if (this.count > 0 && t - this.t[this.count - 1]! < 1) {
      throw new TraceError(
        this.line,
        't_seconds',
        `rows must be at least 1 s apart: the simulator steps whole seconds (got ${t} after ${this.t[this.count - 1]}); add up the arrivals of each second, or longer`,
      );
    }
    this.t[this.count] = t;
    for (let c = 1; c < header.length; c += 1) {
      const column = header[c]!;
      const value = this.number(cells[c]!, column, column !== 'arrivals');
      if (!Number.isNaN(value)) {
        const problem = rangeProblem(column, value);
        if (problem) throw new TraceError(this.line, column, problem);
      }
      this.values[c - 1]![this.count] = value;
    }
    this.count += 1;
  }

  finish(): Trace {
    if (!this.header) throw new TraceError(this.line, '', 'empty trace: expected a header `t_seconds,arrivals` or `t_seconds,<metric>,...`');
    if (this.count === 0) throw new TraceError(this.line, '', 'the trace has a header but no rows');
    const rows = this.count;
    const t = this.t.slice(0, rows);
    const columns: Record<string, Float64Array> = {};
    this.header.slice(1).forEach((name, i) => {
      columns[name] = this.values[i]!.slice(0, rows);
    });
    const lastRowSeconds = rows > 1 ? t[rows - 1]! - t[rows - 2]! : 60;
    return {
      kind: 'arrivals' in columns ? 'closed' : 'open',
      t,
      columns,
      rows,
      lastRowSeconds,
      endSeconds: t[rows - 1]! + lastRowSeconds,
    };
  }

  private readHeader(cells: string[]): void {
    if (cells[0] !== 't_seconds') throw new TraceError(this.line, cells[0] ?? '', 'the first column must be `t_seconds`');
    const rest = cells.slice(1);
    if (rest.length === 0) throw new TraceError(this.line, '', 'expected `arrivals` or at least one metric column after `t_seconds`');
    const seen = new Set<string>();
    for (const name of rest) {
      if (!METRIC_NAME.test(name)) throw new TraceError(this.line, name, 'column names must be metric names (letters, digits, _ . -)');
      if (seen.has(name)) throw new TraceError(this.line, name, 'duplicate column');
      seen.add(name);
    }
    if (seen.has('arrivals') && rest.length > 1) {
      throw new TraceError(this.line, rest.find((n) => n !== 'arrivals')!, 'a closed-loop trace has only `arrivals`; replay metric columns in a separate (open-loop) trace');
    }
    this.header = cells;
    this.values = rest.map(() => new Float64Array(this.capacity));
  }

  private number(cell: string, column: string, emptyAllowed: boolean): number {
    if (cell === '') {
      if (emptyAllowed) return Number.NaN;
      throw new TraceError(this.line, column, 'empty cell');
    }
    // Decimal only: Number() would also read 0x10, 0b101 and 0o7 as numbers.
    const value = DECIMAL.test(cell) ? Number(cell) : Number.NaN;
    if (!Number.isFinite(value)) throw new TraceError(this.line, column, `expected a decimal number (got ${JSON.stringify(cell)})`);
    return value;
  }

  private grow(): void {
    this.capacity *= 2;
    const t = new Float64Array(this.capacity);
    t.set(this.t);
    this.t = t;
    this.values = this.values.map((old) => {
      const next = new Float64Array(this.capacity);
      next.set(old);
      return next;
    });
  }
}

/** Parses a whole trace held in memory (tests, small files). */
export function parseTrace(text: string): Trace {
  const parser = new TraceParser();
  for (const line of text.split(/\r?\n/)) parser.push(line);
  return parser.finish();
}

/** Parses a trace from lines as they arrive (a readline interface over a file stream). */
export async function parseTraceLines(lines: AsyncIterable<string> | Iterable<string>): Promise<Trace> {
  const parser = new TraceParser();
  for await (const line of lines) parser.push(line);
  return parser.finish();
}

/** Index of the row covering time `seconds` (the last row with t <= seconds), or -1. */
export function rowAt(trace: Trace, seconds: number): number {
  const t = trace.t;
  if (trace.rows === 0 || seconds < t[0]!) return -1;
  let lo = 0;
  let hi = trace.rows - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t[mid]! <= seconds) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Duration of row `i` in seconds. */
export function rowSeconds(trace: Trace, i: number): number {
  return i + 1 < trace.rows ? trace.t[i + 1]! - trace.t[i]! : trace.lastRowSeconds;
}

/**
 * A warning when the rows are not evenly spaced (undefined when they are): each row lasts until
 * the next, so a missing row (a log aggregated by minute leaves out the quiet minutes) stretches
 * the row before it, and its arrivals are spread over the gap. Names the first such row by its
 * t_seconds and counts them.
 */
export function spacingWarning(trace: Trace): string | undefined {
  if (trace.rows < 3) return undefined;
  // Gaps to the microsecond: decimal timestamps (1.1, 2.2, ...) differ in the last bits.
  const gapAt = (i: number) => Math.round((trace.t[i + 1]! - trace.t[i]!) * 1e6) / 1e6;
  const counts = new Map<number, number>();
  for (let i = 0; i + 1 < trace.rows; i += 1) {
    const gap = gapAt(i);
    counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  if (counts.size === 1) return undefined;
  const usual = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
  let first = -1;
  let uneven = 0;
  for (let i = 0; i + 1 < trace.rows; i += 1) {
    if (gapAt(i) !== usual) {
      uneven += 1;
      if (first < 0) first = i;
    }
  }
  const gap = gapAt(first);
  return (
    `rows are not evenly spaced: most are ${usual} s apart, but ${uneven} ${uneven === 1 ? 'is' : 'are'} not (the first: t_seconds ${trace.t[first]} is followed ${gap} s later). ` +
    `Each row lasts until the next, so its arrivals are spread over the gap; if the gaps are quiet periods, write rows of 0 for them.`
  );
}
