/**
 * Text -> validated config, for every format `poolscale validate/import` read. Pure: the caller
 * reads the file. The format is recognised from the content unless given.
 */
import { parseDocument } from 'yaml';
import type { FieldProblem } from '../domain/errors';
import type { Config } from '../domain/policy';
import { looksLikeEnv, parseEnv } from './envText';
import { FORMATS, type Format } from './formats';
import { parseJsonWithComments } from './jsonWithComments';
import { fromSeed000, SEED000_KEYS } from './seeds/seed000';
import { fromSeed001, SEED001_MARKERS } from './seeds/seed001';
import { fromSeed002, looksLikeElixirConfig, looksLikeSeed002, parseElixirConfig } from './seeds/seed002';
import { fromSeed003, looksLikeSeed003 } from './seeds/seed003';
import { fromSeed004, looksLikeAutoScalerCall, looksLikeSeed004, parseAutoScalerCall } from './seeds/seed004';
import type { SeedConversion } from './seeds/seedConversion';
import { validateConfig } from './validate';

export interface ParseOptions {
  /** Skip detection and read the text as this format. */
  format?: Format;
  /** Used in messages and as a hint (`.env`, `.json`, `.yaml`, `.exs`). */
  filename?: string;
  /** Host id for seed 003 pools (the seed runs on one host). */
  host?: string;
}

export interface ParseResult {
  config?: Config;
  problems: FieldProblem[];
  /** The format read, or `unknown` when it could not be recognised. */
  format: Format | 'unknown';
  /** Seed formats: the native config before validation, as the converter produced it. */
  raw?: unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fileProblem = (message: string, value?: unknown): FieldProblem => ({ path: '(file)', message, value, severity: 'error' });

type Detected = { format: Format; data?: unknown } | { problem: string };

/**
 * YAML with unknown tags (`!!js/function`, `!custom`) refused rather than read as strings with
 * a warning on stderr: a config that says something poolscale does not understand is an error.
 */
function parseYaml(text: string): unknown {
  const doc = parseDocument(text, { logLevel: 'silent' });
  const [error] = doc.errors;
  if (error) throw error;
  const tag = doc.warnings.find((warning) => warning.code === 'TAG_RESOLVE_FAILED');
  if (tag) throw new Error(`${tag.message.split('\n')[0]} (poolscale configs use plain YAML without custom tags)`);
  return doc.toJS({ maxAliasCount: 100 });
}

/** Structured data from JSON (comments allowed) or YAML; undefined when the text is neither. */
function parseStructured(text: string): { data?: unknown; error?: string } {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return { data: parseJsonWithComments(trimmed) };
    } catch (cause) {
      // Fall through to YAML, a superset of JSON, for a better error or a flow mapping.
      try {
        return { data: parseYaml(text) };
      } catch {
        return { error: `Not valid JSON: ${(cause as Error).message}` };
      }
    }
  }
  try {
    return { data: parseYaml(text) };
  } catch (cause) {
    return { error: `Not valid YAML: ${(cause as Error).message}` };
  }
}

export function detectFormat(text: string, filename?: string): Detected {
  if (text.trim() === '') return { problem: 'The file is empty' };
  if (looksLikeElixirConfig(text)) return { format: 'seed002-templates' };
  if (looksLikeAutoScalerCall(text)) return { format: 'seed004-json' };
  if (looksLikeEnv(text)) {
    const keys = new Set(parseEnv(text).keys());
    const is000 = SEED000_KEYS.some((k) => keys.has(k));
    const is001 = SEED001_MARKERS.some((k) => keys.has(k));
    if (is000 && is001) return { problem: 'The env file has both seed 000 (MIN_FREE_BOTS, ...) and seed 001 (MEMORY_THRESHOLD_GB, ...) variables; pass --format' };
    if (is000) return { format: 'seed000-env' };
    if (is001) return { format: 'seed001-env' };
    return {
      problem: `KEY=VALUE file without seed 000 variables (${SEED000_KEYS.join(', ')}) or seed 001 variables (${SEED001_MARKERS.join(', ')})`,
    };
  }
  const { data, error } = parseStructured(text);
  if (error) return { problem: error };
  if (!isRecord(data)) {
    return { problem: `Expected a mapping at the top level${filename ? ` of ${filename}` : ''} (got ${Array.isArray(data) ? 'a list' : typeof data})` };
  }
  // An agent config also has `pools`; point at the right command instead of listing 20 errors.
  if ('pools' in data && 'hostId' in data) {
    return { problem: 'This is an on-host agent config (it has `hostId`): run it with `poolscale agent --config FILE`' };
  }
  if ('pools' in data) return { format: 'poolscale', data };
  if (looksLikeSeed002(data)) return { format: 'seed002-templates', data };
  if (looksLikeSeed004(data)) return { format: 'seed004-json', data };
  if (looksLikeSeed003(data)) return { format: 'seed003-json', data };
  return {
    problem: `Unrecognised config: no \`pools\` (poolscale), \`scaling_policies\` (seed 002), AutoScaler parameters (seed 004) or projects with min_workers/cpu_thresholds (seed 003); top-level keys: ${Object.keys(data).slice(0, 8).join(', ') || '(none)'}`,
  };
}

function convert(format: Format, text: string, data: unknown, options: ParseOptions): SeedConversion | { native: unknown } | { problem: string } {
  const structured = (): { data?: unknown; problem?: string } => {
    if (data !== undefined) return { data };
    const parsed = parseStructured(text);
    return parsed.error ? { problem: parsed.error } : { data: parsed.data };
  };
  switch (format) {
    case 'poolscale': {
      const s = structured();
      return s.problem ? { problem: s.problem } : { native: s.data };
    }
    case 'seed000-env':
      return fromSeed000(parseEnv(text));
    case 'seed001-env':
      return fromSeed001(parseEnv(text));
    case 'seed002-templates': {
      if (looksLikeElixirConfig(text)) return fromSeed002(parseElixirConfig(text));
      const s = structured();
      return s.problem ? { problem: s.problem } : fromSeed002(s.data);
    }
    case 'seed003-json': {
      const s = structured();
      return s.problem ? { problem: s.problem } : fromSeed003(s.data, options.host ? { host: options.host } : {});
    }
    case 'seed004-json': {
      if (looksLikeAutoScalerCall(text)) return fromSeed004(parseAutoScalerCall(text));
      const s = structured();
      if (s.problem) return { problem: s.problem };
      if (!isRecord(s.data)) return { problem: 'Expected an object of AutoScaler parameters' };
      return fromSeed004(s.data);
    }
  }
}

export function parseConfigText(input: string, options: ParseOptions = {}): ParseResult {
  // Editors on Windows save a byte-order mark that would hide the first KEY=VALUE line.
  const text = input.replace(/^\uFEFF/, '');
  let format: Format;
  let data: unknown;
  if (options.format) {
    if (!(FORMATS as readonly string[]).includes(options.format)) {
      return { format: 'unknown', problems: [fileProblem(`Unknown format "${options.format}" (expected one of ${FORMATS.join(', ')})`)] };
    }
    format = options.format;
  } else {
    const detected = detectFormat(text, options.filename);
    if ('problem' in detected) return { format: 'unknown', problems: [fileProblem(detected.problem)] };
    format = detected.format;
    data = detected.data;
  }

  const converted = convert(format, text, data, options);
  if ('problem' in converted) return { format, problems: [fileProblem(converted.problem)] };
  const raw = 'native' in converted ? converted.native : converted.raw;
  const seedProblems = 'native' in converted ? [] : converted.problems;
  const { config, problems } = validateConfig(raw);
  const all = [...seedProblems, ...problems];
  const failed = all.some((p) => p.severity === 'error');
  return { format, problems: all, ...(config && !failed ? { config } : {}), ...('native' in converted ? {} : { raw }) };
}
