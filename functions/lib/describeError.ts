/** An error as log fields: name, message and the cause chain, never the whole object graph. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const causes: string[] = [];
  let cause = (error as { cause?: unknown }).cause;
  while (cause !== undefined && causes.length < 5) {
    causes.push(cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause));
    cause = cause instanceof Error ? (cause as { cause?: unknown }).cause : undefined;
  }
  return { error: `${error.name}: ${error.message}`, ...(causes.length ? { causes } : {}), stack: error.stack };
}
