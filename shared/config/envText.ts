/**
 * KEY=VALUE env files as the seeds write them (`.env`, docker-compose env): `#` comment lines,
 * inline `# comments` after the value, optional `export ` and quotes.
 */
export interface EnvEntry {
  value: string;
  line: number;
}

const LINE = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

/** True when every non-blank, non-comment line is a KEY=VALUE assignment (and there is one). */
export function looksLikeEnv(text: string): boolean {
  const lines = meaningfulLines(text);
  return lines.length > 0 && lines.every(({ text: l }) => LINE.test(l));
}

export function parseEnv(text: string): Map<string, EnvEntry> {
  const out = new Map<string, EnvEntry>();
  for (const { text: l, line } of meaningfulLines(text)) {
    const match = LINE.exec(l);
    if (!match) continue;
    out.set(match[1]!, { value: unquote(match[2]!), line });
  }
  return out;
}

function meaningfulLines(text: string): { text: string; line: number }[] {
  return text
    .split(/\r?\n/)
    .map((l, i) => ({ text: l.trim(), line: i + 1 }))
    .filter(({ text: l }) => l !== '' && !l.startsWith('#'));
}

function unquote(raw: string): string {
  const value = raw.trim();
  const quote = value[0];
  if (quote === '"' || quote === "'") {
    const end = value.indexOf(quote, 1);
    if (end > 0) return value.slice(1, end);
  }
  // An unquoted value ends at ` #` (the seed writes `MAX_WORKERS=6   # comment`).
  return value.replace(/\s+#.*$/, '').trim();
}
