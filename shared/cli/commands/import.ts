/**
 * `poolscale import FILE [--format F] [--json]`: converts a seed-format config (or normalises a
 * poolscale one) and prints the native config. Warnings go to stderr so the output can be
 * redirected straight into a file.
 */
import { resolve } from 'node:path';
import { FORMAT_DESCRIPTIONS } from '../../config/formats';
import { toNativeConfig, toYaml } from '../../config/format';
import { formatProblem } from '../../config/formatProblem';
import { FORMATS, loadConfigFile, toFormat } from '../../config/load';
import type { CliIo } from '../io';
import { parseCommandArgs } from '../args';
import { dataProblems, withMetricsTodos } from '../../config/dataProblems';

export const summary = 'Convert a seed-format config (000/001/003/004/002) to poolscale YAML';

const USAGE = `Usage: poolscale import FILE [--format FORMAT] [--json] [--host HOST]

Converts a seed-format file to a poolscale config on stdout (YAML, or JSON with --json);
warnings go to stderr. Exit status: 0 converted, 1 invalid input, 2 usage error.

Formats (detected from the content unless --format is given):
${FORMATS.map((f) => `  ${f.padEnd(18)} ${FORMAT_DESCRIPTIONS[f]}`).join('\n')}

Options:
  -f, --format FORMAT  Skip detection
      --json           Print JSON instead of YAML
      --host HOST      Host id for seed 003 projects (default: victus)
  -h, --help           Show this help`;

const OPTIONS = {
  format: { type: 'string', short: 'f' },
  json: { type: 'boolean', default: false },
  host: { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(argv, OPTIONS);
  if ('error' in args) {
    io.err(`poolscale import: ${args.error}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`poolscale import: ${positionals.length === 0 ? 'missing FILE' : `expected one FILE, got ${positionals.length}`}\n\n${USAGE}`);
    return 2;
  }
  const file = positionals[0]!;
  const format = values.format === undefined ? undefined : toFormat(values.format);
  if (values.format !== undefined && !format) {
    io.err(`poolscale import: unknown format "${values.format}" (expected one of ${FORMATS.join(', ')})`);
    return 2;
  }

  const result = await loadConfigFile(resolve(io.cwd, file), { ...(format ? { format } : {}), ...(values.host ? { host: values.host } : {}) });
  const errors = result.problems.filter((p) => p.severity === 'error');
  for (const w of result.problems.filter((p) => p.severity === 'warning')) io.err(`warning: ${formatProblem(w)}`);
  if (!result.config || errors.length > 0) {
    io.err(`poolscale import: ${file} (${result.format}) is not valid: ${errors.length} error(s)`);
    for (const e of errors) io.err(`error: ${formatProblem(e)}`);
    return 1;
  }
  // Rules whose metrics nothing provides: say so, and (in YAML) leave a block to fill in.
  const unfed = dataProblems(result.config);
  for (const problem of unfed) io.err(`${problem.severity}: ${formatProblem(problem)}`);
  if (unfed.length > 0) {
    io.err(
      values.json
        ? 'poolscale import: define the metrics above under each pool\'s `metrics:` before applying'
        : 'poolscale import: the output has a commented `metrics:` block (TODO) in each pool above: fill it in before applying',
    );
  }
  if (values.json) {
    io.out(JSON.stringify(toNativeConfig(result.config), null, 2));
  } else {
    io.out(withMetricsTodos(toYaml(result.config, `Converted from ${result.format} (${file}) by \`poolscale import\`.\nReview targets and metrics before applying: seed tools scale differently.`), result.config));
  }
  return 0;
}
