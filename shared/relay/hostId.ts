/**
 * Host ids: what an agent's `hostId`, a policy's `target.host` and the relay's host header may
 * be. They never contain `#`, so no host id can name another kind of item in the agents table
 * (nonce items are `nonce#<hostId>#<nonce>`), and they are safe in URLs and logs.
 */
export const HOST_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const HOST_ID_RULE = '1-128 characters: letters, digits, ".", "_" and "-", starting with a letter or digit';

export const isHostId = (value: unknown): value is string => typeof value === 'string' && HOST_ID_PATTERN.test(value);

/** A readable problem for a bad host id, naming the value (cut to 100 characters), or undefined. */
export function hostIdProblem(value: unknown): string | undefined {
  if (isHostId(value)) return undefined;
  const shown = typeof value === 'string' ? JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value) : typeof value;
  return `host id must be ${HOST_ID_RULE} (got ${shown})`;
}
