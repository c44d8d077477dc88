/**
 * Reads a config file of any supported format. The only file access in shared/config: the
 * CLI, the local runner and the deploy tooling (composition roots) call it; the parsing itself
 * is `parseConfigText`, which is pure.
 */
import { readFile } from 'node:fs/promises';
import type { FieldProblem } from '../domain/errors';
import type { Config } from '../domain/policy';
import { toFormat, type Format } from './formats';
import { parseConfigText, type ParseResult } from './parseConfigText';

export { parseConfigText, detectFormat } from './parseConfigText';
export type { ParseOptions, ParseResult } from './parseConfigText';
export { FORMATS, toFormat, type Format } from './formats';

export interface LoadResult {
  config?: Config;
  problems: FieldProblem[];
  format: string;
  raw?: unknown;
}

export async function loadConfigFile(path: string, opts: { format?: Format | string; host?: string } = {}): Promise<LoadResult> {
  let format: Format | undefined;
  if (opts.format !== undefined) {
    format = toFormat(opts.format);
    if (!format) {
      return {
        format: 'unknown',
        problems: [{ path: '(file)', message: `Unknown format "${opts.format}"`, value: opts.format, severity: 'error' }],
      };
    }
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? `File not found: ${path}` : `Cannot read ${path}: ${(cause as Error).message}`;
    return { format: format ?? 'unknown', problems: [{ path: '(file)', message, value: path, severity: 'error' }] };
  }
  const result: ParseResult = parseConfigText(text, { filename: path, ...(format ? { format } : {}), ...(opts.host ? { host: opts.host } : {}) });
  return result;
}
