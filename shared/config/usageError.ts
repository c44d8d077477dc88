import { closest } from './closest';

/** The option table of node:util parseArgs, as far as messages need it. */
export type OptionTable = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/**
 * node:util parseArgs errors, shortened to what the user typed wrong; with the command's
 * options, an unknown one gets a "did you mean".
 */
export function usageError(cause: unknown, options?: OptionTable): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) {
    const typed = unknown[1]!;
    const suggestion = options && typed.startsWith('--') ? closest(typed.slice(2), Object.keys(options)) : undefined;
    return `unknown option ${typed}${suggestion ? ` (did you mean --${suggestion}?)` : ''}`;
  }
  const missing = /Option '([^']+)' argument missing/.exec(message);
  if (missing) return `option ${missing[1]} needs a value`;
  const ambiguous = /Option '([^' ]+)[^']*' argument is ambiguous/.exec(message);
  if (ambiguous) return `option ${ambiguous[1]} needs a value (write ${ambiguous[1]}=VALUE for a value starting with "-")`;
  return message;
}
