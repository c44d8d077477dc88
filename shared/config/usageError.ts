/** node:util parseArgs errors, shortened to what the user typed wrong. */
export function usageError(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]}`;
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  return message;
}
