/**
 * Translates a Redis glob (`*`, `?`, `\` escapes) into an anchored Lua pattern, so one Lua
 * SCAN can test each key against many patterns. Returns undefined for globs with `[...]`
 * classes: Redis and Lua disagree on their corner cases (reversed ranges, escaped ends), so
 * those are left to Redis's own MATCH.
 *
 * Both sides work on bytes: `?` and `.` each match one byte, and a non-ASCII character is
 * escaped byte by byte (`%` before a non-alphanumeric byte makes it literal in Lua).
 *
 * @example
 * globToLuaPattern('bot_status:*') // '^bot%_status%:.*$'
 */
export function globToLuaPattern(glob: string): string | undefined {
  let pattern = '^';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '[') return undefined;
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    else if (char === '\\' && i + 1 < glob.length) pattern += literal(glob[++i]!);
    else pattern += literal(char);
  }
  return `${pattern}$`;
}

/** The characters before the first glob metacharacter: every match starts with them. */
export function literalPrefix(glob: string): string {
  const end = glob.search(/[*?[\\]/);
  return end === -1 ? glob : glob.slice(0, end);
}

function literal(char: string): string {
  return /^[A-Za-z0-9]$/.test(char) ? char : `%${char}`;
}
