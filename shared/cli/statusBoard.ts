/**
 * `poolscale up`'s view of its pools: one line per pool that leads with what matters (a failed
 * scaling action, a pause, a manual override), then id, desired/ready, bounds, action and the
 * reasons. Pure formatting (tested by a table) plus a small live board that redraws the lines on
 * a terminal, or prints one plain line per scaling action when the output is not a terminal.
 */
import type { Policy } from '../domain/policy';
import type { Decision, TargetStatus } from '../domain/types';
import { humanText, oneLine } from './io';

/**
 * What a person must see first, most urgent first: the target refused the last action; the
 * decision could not read some of its metrics (the pool may hold for want of data); an operator
 * paused it; it is disabled; a manual count overrides the policy.
 */
export const FLAGS = ['FAILED', 'STALE', 'PAUSED', 'DISABLED', 'OVERRIDE'] as const;
export type Flag = (typeof FLAGS)[number];

/** One pool as the board shows it; every text already safe for a terminal (one line, no controls). */
export interface BoardEntry {
  id: string;
  /** When the decision was made (epoch ms). */
  at: number;
  flag?: Flag;
  /** Count the decision asked for; the count in force when the action failed (it was not applied). */
  desired: number;
  ready?: number;
  min: number;
  max: number;
  /** `scale_up`, `scale_down`, `none`, or `failed` when the target refused the action. */
  action: string;
  /** The failed action's message, first of the reasons when present. */
  error?: string;
  reasons: string[];
}

/** The board's entry for a pool's latest decision (as `up`'s tick reports it). */
export function boardEntry(decision: Decision, policy: Pick<Policy, 'id' | 'min' | 'max'>, status?: Pick<TargetStatus, 'ready'>): BoardEntry {
  const codes = new Set(decision.reasons.map((r) => r.code));
  const failure = decision.reasons.find((r) => r.code === 'action.failed');
  const flag: Flag | undefined = failure
    ? 'FAILED'
    : decision.metricErrors?.length
      ? 'STALE'
      : codes.has('paused')
        ? 'PAUSED'
        : codes.has('disabled')
          ? 'DISABLED'
          : codes.has('manual')
            ? 'OVERRIDE'
            : undefined;
  const ready = status?.ready ?? decision.ready;
  return {
    id: oneLine(policy.id),
    at: decision.at,
    ...(flag ? { flag } : {}),
    // A failed action left the count where it was (the state keeps the previous one).
    desired: failure ? decision.current : decision.desired,
    ...(ready === undefined ? {} : { ready }),
    min: policy.min,
    max: policy.max,
    // The target did not take the count: the action did not happen, whatever the engine chose.
    action: failure ? 'failed' : decision.action,
    ...(failure ? { error: failureText(failure.message) } : {}),
    reasons: decision.reasons.filter((r) => r !== failure).map((r) => humanText(oneLine(r.message))),
  };
}

/**
 * The target's error out of the runtime's `scaling to 3 failed: ERROR; retried from fresh status
 * next tick`: the count and the retry are on the line already. Any other text is kept whole.
 */
function failureText(message: string): string {
  const match = /^scaling to \d+ failed: (.*?)(?:; retried from fresh status next tick)?$/s.exec(message);
  return humanText(oneLine(match?.[1] ?? message));
}

/** Layout shared by the lines of one board, so their columns line up. */
export interface Layout {
  flagWidth: number;
  idWidth: number;
}

const MAX_ID_WIDTH = 24;

export function layoutOf(entries: readonly BoardEntry[]): Layout {
  const flagged = entries.filter((e) => e.flag);
  return {
    flagWidth: Math.max(0, ...flagged.map((e) => e.flag!.length)),
    idWidth: Math.min(MAX_ID_WIDTH, Math.max(0, ...entries.map((e) => length(e.id)))),
  };
}

/**
 * The entry as one line, split where eliding should not reach: `head` (flag, id, counts, bounds,
 * action and, for a failure, its error) and `rest` (the reasons). Without a layout the columns
 * are not padded (a plain log line).
 */
export function formatEntry(entry: BoardEntry, layout: Layout = { flagWidth: 0, idWidth: 0 }): { head: string; rest: string } {
  const flag = layout.flagWidth > 0 ? `${(entry.flag ?? '').padEnd(layout.flagWidth)}  ` : entry.flag ? `${entry.flag}  ` : '';
  const head =
    `${flag}${padEnd(entry.id, layout.idWidth)}  desired ${entry.desired}  ready ${entry.ready ?? '?'}  [${entry.min}..${entry.max}]  ` +
    `${entry.action}${entry.error ? `: ${entry.error}` : ''}`;
  return { head, rest: entry.reasons.join('; ') };
}

/** The whole line, fitted to `columns` (see `fitLine`). */
export function entryLine(entry: BoardEntry, layout?: Layout, columns?: number): string {
  const { head, rest } = formatEntry(entry, layout);
  const text = rest ? `${head}  ${rest}` : head;
  return fitLine(text, columns, length(head));
}

/** Board order: failures, then pools short of data, paused, disabled and overridden pools, then the rest; by id within each. */
export function compareEntries(a: BoardEntry, b: BoardEntry): number {
  const rank = (e: BoardEntry) => (e.flag ? FLAGS.indexOf(e.flag) : FLAGS.length);
  return rank(a) - rank(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Every pool's line, failures first, fitted to `columns`. */
export function boardLines(entries: Iterable<BoardEntry>, columns?: number): string[] {
  const sorted = [...entries].sort(compareEntries);
  const layout = layoutOf(sorted);
  return sorted.map((entry) => entryLine(entry, layout, columns));
}

/** The ellipsis that marks elided text. */
export const ELLIPSIS = '…';

/**
 * `text` fitted to a terminal `columns` wide: whole when it fits or when no width is known
 * (`columns` 0 or undefined: a pipe, a terminal that does not say), else at most `columns - 1`
 * characters (so the cursor never wraps) with the MIDDLE replaced by `…`: the start and the end
 * stay. The start kept is `keepStart` characters when the width allows (the end keeps at least
 * 12 characters, or a quarter of a narrow terminal), and never less than half the width.
 */
export function fitLine(text: string, columns?: number, keepStart = 0): string {
  const chars = Array.from(text);
  if (!columns || columns <= 0 || chars.length < columns) return text;
  const width = Math.max(1, columns - 1);
  if (width < 3) return chars.slice(0, width).join('');
  const half = Math.ceil((width - 1) / 2);
  const minTail = Math.max(1, Math.min(12, Math.floor(width / 4)));
  const head = Math.max(half, Math.min(keepStart, width - 1 - minTail));
  const tail = width - 1 - head;
  return `${chars.slice(0, head).join('')}${ELLIPSIS}${tail > 0 ? chars.slice(-tail).join('') : ''}`;
}

/** Where the live board draws: a terminal's stdout. */
export interface Terminal {
  write(text: string): void;
  /** The terminal's width; 0 or undefined when unknown. */
  columns(): number | undefined;
}

/**
 * One live line per pool on a terminal (redrawn in place, failures first); without a terminal,
 * one plain line per scaling action (a failed one included), each with its time.
 */
export class LiveBoard {
  private readonly entries = new Map<string, BoardEntry>();
  private drawn = 0;

  constructor(
    private readonly terminal: Terminal | undefined,
    private readonly print: (line: string) => void,
  ) {}

  update(entry: BoardEntry): void {
    this.entries.set(entry.id, entry);
    if (!this.terminal) {
      if (entry.action !== 'none') this.print(`${new Date(entry.at).toISOString()} ${entryLine(entry)}`);
      return;
    }
    this.draw(this.terminal, this.drawn > 0 ? `\x1b[${this.drawn}F` : '');
  }

  /**
   * Other output while the board is live (a warning, a log line): the board is erased, `write`
   * prints, and the board is drawn again below it, so messages scroll above the board instead of
   * being overwritten by the next redraw. Without a terminal `write` just runs.
   */
  note(write: () => void): void {
    if (!this.terminal || this.drawn === 0) {
      write();
      return;
    }
    this.terminal.write(`\x1b[${this.drawn}F\x1b[J`);
    write();
    this.draw(this.terminal, '');
  }

  private draw(terminal: Terminal, prefix: string): void {
    const lines = boardLines(this.entries.values(), terminal.columns());
    let text = prefix;
    for (const line of lines) text += `\x1b[2K${line}\n`;
    this.drawn = lines.length;
    terminal.write(text);
  }

  /** Later output starts below the board. */
  close(): void {
    this.drawn = 0;
  }
}

function length(text: string): number {
  return Array.from(text).length;
}

function padEnd(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - length(text)));
}
