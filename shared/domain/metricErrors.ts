/**
 * Turning a metric source's failure into data a person can act on: an error class (the code
 * an operator searches for: `ECONNREFUSED`, `AccessDeniedException`, `NoData`) and a message
 * with credentials taken out. Pure: the engine, the runtime and the adapters share it.
 */

/** Error names that say nothing about the cause: look further (code, cause, message). */
const GENERIC_NAMES = new Set(['Error', 'TypeError', 'AggregateError', 'MetricSourceError', 'PoolscaleError', 'FetchError']);

/**
 * What to hide, with what to show instead. Order matters: URLs with user info first, then the
 * AWS key shapes, then `name=value` pairs, then bearer tokens.
 */
const SECRET_PATTERNS: readonly [RegExp, string | ((...groups: string[]) => string)][] = [
  // scheme://user:password@host and scheme://:password@host (redis, rediss, http, amqp, ...)
  [/\b([a-z][a-z0-9+.-]*:\/\/)([^\s:@/]*):([^\s@/]+)@/gi, (_match, scheme, user) => `${scheme}${user}:***@`],
  // AWS access key ids (long-term AKIA, temporary ASIA)
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '***'],
  // name=value (query strings, env-style messages) and "name": "value" (JSON) whose name says secret
  [/\b([\w-]*(?:secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|signature)[\w-]*\s*=\s*)([^\s"'&,;}]+)/gi, (_match, name) => `${name}***`],
  [
    /("[\w-]*(?:secret|password|passwd|pwd|token|api[_-]?key|access[_-]?key|credential|signature)[\w-]*"\s*:\s*")([^"]*)"/gi,
    (_match, name) => `${name}***"`,
  ],
  // Authorization: Bearer <token> / Basic <blob>
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, (_match, scheme) => `${scheme} ***`],
];

/**
 * `text` with passwords in URLs, AWS access keys, tokens and secret-named values replaced by `***`.
 *
 * @example
 * redactSecrets('Redis at redis://:hunter2@cache:6379 is unavailable') // 'Redis at redis://:***@cache:6379 is unavailable'
 */
export function redactSecrets(text: string): string {
  let result = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) {
    result = result.replace(pattern, replacement as (substring: string, ...args: string[]) => string);
  }
  return result;
}

/**
 * The most specific class of an error: a Node/system `code` (`ECONNREFUSED`, `ETIMEDOUT`)
 * anywhere along the `cause` chain, else an AWS SDK exception name (`AccessDeniedException`,
 * `CredentialsProviderError`), else a Redis error prefix (`WRONGTYPE`, `NOAUTH`), else what the
 * message says (`RegionMissing`), else `Error`.
 */
export function errorClassOf(error: unknown): string {
  let name: string | undefined;
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    if (typeof current === 'object') {
      const { code, name: ownName, errors } = current as { code?: unknown; name?: unknown; errors?: unknown };
      if (typeof code === 'string' && code.length > 0 && code.length <= 64) return code;
      if (!name && typeof ownName === 'string' && !GENERIC_NAMES.has(ownName)) name = ownName;
      // AggregateError (happy eyeballs: one refusal per address) without its own code.
      if (Array.isArray(errors) && errors.length > 0) {
        const inner = errorClassOf(errors[0]);
        if (inner !== 'Error') return inner;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  if (name) return name;
  return errorClassOfMessage(error instanceof Error ? error.message : String(error));
}

const NETWORK_CODE = /\b(ECONNREFUSED|ECONNRESET|ECONNABORTED|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE)\b/;

/**
 * A class read from a message alone: a network error code in it, a Redis error prefix
 * (`WRONGTYPE ...`, `NOAUTH ...`), a known phrase, else `Error`.
 */
export function errorClassOfMessage(message: string): string {
  const code = NETWORK_CODE.exec(message);
  if (code) return code[1]!;
  const redis = /^([A-Z][A-Z_]{2,})(?:\s|$)/.exec(message);
  if (redis) return redis[1]!;
  if (/region is missing/i.test(message)) return 'RegionMissing';
  if (/could not load credentials/i.test(message)) return 'CredentialsProviderError';
  if (/timed? ?out|no answer within/i.test(message)) return 'Timeout';
  return 'Error';
}

/** The message of any thrown value, credentials redacted. */
export function safeErrorMessage(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}
