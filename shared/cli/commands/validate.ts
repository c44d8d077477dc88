/**
 * `poolscale validate --config FILE [--format F] [--json]`: every problem in a config, in one
 * pass. Exit 0 when valid (warnings allowed), 1 when not, 2 on bad usage.
 */
import { resolve } from 'node:path';
import { FORMATS, loadConfigFile, toFormat } from '../../config/load';
import { formatProblem } from '../../config/formatProblem';
import type { CliIo } from '../io';
import { parseCommandArgs } from '../args';
import { withDataProblems } from '../../config/dataProblems';

export const summary = 'Check a config file; list every problem';

const USAGE = `Usage: poolscale validate --config FILE [--format FORMAT] [--json]

Checks a poolscale config or a seed-format file and lists every problem as
\`path: message (got VALUE)\`. Exit status: 0 valid, 1 invalid, 2 usage error.

Options:
  -c, --config FILE    Config file (YAML/JSON, or a seed format); also accepted as the only argument
  -f, --format FORMAT  Skip detection: ${FORMATS.join(', ')}
      --json           Print the result as JSON
  -h, --help           Show this help`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  format: { type: 'string', short: 'f' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS);
  if ('error' in args) {
    io.err(`poolscale validate: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const file = values.config ?? positionals[0];
  if (!file || positionals.length > (values.config ? 0 : 1)) {
    io.err(`poolscale validate: ${file ? `unexpected argument "${positionals[values.config ? 0 : 1]}"` : 'missing --config FILE'}\n\n${USAGE}`);
    return 2;
  }
  const format = values.format === undefined ? undefined : toFormat(values.format);
  if (values.format !== undefined && !format) {
    io.err(`poolscale validate: unknown format "${values.format}" (expected one of ${FORMATS.join(', ')})`);
    return 2;
  }

  const result = withDataProblems(await loadConfigFile(resolve(io.cwd, file), format ? { format } : {}));
  const errors = result.problems.filter((p) => p.severity === 'error');
  const warnings = result.problems.filter((p) => p.severity === 'warning');
  const ok = Boolean(result.config) && errors.length === 0;

  if (values.json) {
    io.out(
      JSON.stringify(
        { ok, file, format: result.format, pools: result.config?.pools.map((p) => p.id) ?? [], problems: result.problems },
        null,
        2,
      ),
    );
    return ok ? 0 : 1;
  }
  if (ok) {
    const count = result.config!.pools.length;
    io.out(`OK: ${count} pool(s) in ${file} (${result.format})`);
    for (const w of warnings) io.out(`warning: ${formatProblem(w)}`);
    return 0;
  }
  io.out(`${file} (${result.format}): ${errors.length} error(s)${warnings.length ? `, ${warnings.length} warning(s)` : ''}`);
  for (const e of errors) io.out(`error: ${formatProblem(e)}`);
  for (const w of warnings) io.out(`warning: ${formatProblem(w)}`);
  return 1;
}
