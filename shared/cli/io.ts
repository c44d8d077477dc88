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

export function processIo(): CliIo {
  const isTty = Boolean(process.stderr.isTTY);
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTty,
    progress: (text) => {
      if (isTty) process.stderr.write(`\r\x1b[2K${text}`);
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
