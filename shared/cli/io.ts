import { humanDuration, humanNumber } from '../domain/humanFormat';

/** Where a command writes. Tests pass a capturing implementation. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal: progress bars and live status lines only then. */
  isTty: boolean;
  /** Rewrites the current terminal line (progress). No-op when not a TTY. */
  progress(text: string): void;
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * C0 controls but newline (ESC, BEL, CR, backspace, tab...), DEL, C1 controls (0x80-0x9F, e.g.
 * the one-byte CSI), and the Unicode bidirectional overrides and isolates.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Whole terminal escape sequences, dropped rather than shown as `?[31m`: CSI (`ESC [` or the
 * one-byte 0x9B, parameters, final byte: colours, cursor moves, erases), OSC (`ESC ]` up to BEL
 * or `ESC \\`: window titles, hyperlinks; an unterminated one loses only its `ESC ]`) and
 * two-character escapes (`ESC 7`, `ESC c`).
 */
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[ -/]*[0-~]/g;

/**
 * Text from data (pool ids, scale reasons, error messages, anything a config, the API or a
 * remote answer supplied) made safe for a terminal: escape sequences are dropped whole, and any
 * other control character, which could move the cursor, rewrite earlier lines, set the window
 * title or hide text, is replaced by `?` (newlines are kept). Everything a command prints goes through it.
 */
export function stripControl(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '?');
}

/** One line: like stripControl, and newlines become spaces. */
export function oneLine(text: string): string {
  return stripControl(text).replace(/\n/g, ' ');
}

/**
 * A reader that stops early (`poolscale ... | head`) closes the pipe: the rest of the output has
 * nowhere to go, so the command ends quietly, as Unix tools do, instead of with an EPIPE stack.
 */
const guarded = new WeakSet<NodeJS.WriteStream>();
function endQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  if (guarded.has(stream)) return;
  guarded.add(stream);
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

export function processIo(): CliIo {
  endQuietlyOnClosedPipe(process.stdout);
  const isTty = Boolean(process.stderr.isTTY);
  const line = (text: string) => {
    const safe = stripControl(text);
    return safe.endsWith('\n') ? safe : `${safe}\n`;
  };
  return {
    out: (text) => process.stdout.write(line(text)),
    err: (text) => process.stderr.write(line(text)),
    isTty,
    progress: (text) => {
      if (isTty) process.stderr.write(`\r\x1b[2K${oneLine(text)}`);
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Captures output, for tests. */
export function memoryIo(env: Record<string, string | undefined> = {}, cwd = process.cwd()) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const io: CliIo = {
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    isTty: false,
    progress: () => {},
    env,
    cwd,
  };
  return { io, stdout, stderr, text: () => stdout.join('\n'), errors: () => stderr.join('\n') };
}

/**
 * Numbers in a message (a reason, an error) as a person reads them, for text written before
 * the engine's own messages were rounded (a stored history keeps it as it was): a decimal with
 * more than three decimal places keeps 2-3 significant digits (`0.7430894308943089` ->
 * `0.743`), and a count of milliseconds of a second or more reads as a duration (`59967ms`
 * -> `1m`). Versions and addresses (`3.1164.0`, `127.0.0.1`) are left alone.
 */
export function humanText(text: string): string {
  return text
    .replace(/(?<![\w.])-?\d+\.\d{4,}(?![\w.])/g, (number) => humanNumber(Number(number)))
    .replace(/(?<![\w.])(\d{4,})ms\b/g, (whole, ms: string) => humanDuration(Number(ms)));
}
