/**
 * Operator commands against a local (`poolscale up`) or deployed API:
 * status, scale, pause, resume, history, apply, delete. The first argument is the command's own name.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { stringify } from 'yaml';
import { toNativePolicy } from '../../config/format';
import { withDataProblems } from '../../config/dataProblems';
import { loadConfigFile } from '../../config/load';
import { parsePolicy } from '../../config/validate';
import { parseDuration } from '../../domain/duration';
import type { Decision, MetricError } from '../../domain/types';
import { ApiError, type ApiClient, createApiClient } from '../apiClient';
import { parseCommandArgs, wholeNumber } from '../args';
import { humanDuration } from '../../domain/humanFormat';
import { humanText, oneLine, type CliIo } from '../io';

export const summary = 'Operate pools through the API';

const COMMON = `  --api URL        API base URL (default $POOLSCALE_API or http://127.0.0.1:8080)
  --sigv4          sign requests with SigV4 (automatic for execute-api URLs)
  --region REGION  region for SigV4 (default from the URL or $AWS_REGION)
  --json           print the API's JSON`;

const USAGE: Record<string, string> = {
  status: `Usage: poolscale status [ID] [options]\n\nPools with desired count, bounds, state and the last decision, with the metrics it could\nnot read and why. With ID: that pool's last decision in full.\n\n${COMMON}`,
  scale: `Usage: poolscale scale ID DESIRED --reason TEXT [--for DURATION] [options]\n\nSets a manual desired count (within the pool's bounds); the policy resumes after --for\n(e.g. 30m) or on \`poolscale resume ID\`.\n\n${COMMON}`,
  pause: `Usage: poolscale pause ID [--reason TEXT] [options]\n\n${COMMON}`,
  resume: `Usage: poolscale resume ID [--clear-manual] [options]\n\nResumes a paused pool. A manual override stays in force unless --clear-manual is given\n(it warns first, naming the override it ends).\n\n${COMMON}\n  --clear-manual   also end a manual override (\`poolscale scale\`)`,
  history: `Usage: poolscale history ID [--limit N] [options]\n\nDecisions newest first, with their reasons.\n\n${COMMON}`,
  delete: `Usage: poolscale delete ID [--yes] [options]\n\nDeletes a pool: its policy and its state (manual override, pause). Asks for\nconfirmation on a terminal; without one (a script, a pipe) --yes is required. The delete is\nconditional on the revision shown: a pool changed meanwhile is not deleted (exit 1).\n\n${COMMON}\n  --yes, -y        do not ask for confirmation`,
  apply: `Usage: poolscale apply FILE [--dry-run] [--format F] [options]\n\nValidates FILE (poolscale or a seed format), shows the difference with the pools the API\nhas (a new pool in full, as YAML), then applies it (creates and updates pools; never deletes). Each write is conditional\non the revision the difference was computed from: a pool changed meanwhile by someone else\nis not overwritten (exit 1; run apply again to see the new difference).\n\n${COMMON}\n  --dry-run        show the difference only`,
};

interface PoolRow {
  id: string;
  target: string;
  min: number;
  max: number;
  desired?: number;
  ready?: number;
  paused: boolean;
  manual?: { desired: number };
  dryRun: boolean;
  lastAction?: { at: number; action: string; current?: number; desired: number; summary: string; metricErrors?: MetricError[] };
  /** The pool state's error of the last scaling action (sent by APIs that have it). */
  lastActionError?: string;
}

interface PoolDetail {
  policy: { id: string; min: number; max: number; target: { kind: string; [key: string]: unknown } };
  revision?: string;
  state?: { desired?: number; paused?: { reason: string; by?: string }; manual?: { desired: number; reason: string; until?: number; by?: string }; lastActionError?: string };
  lastDecision?: Decision;
}

const OPTIONS = {
  api: { type: 'string' },
  sigv4: { type: 'boolean' },
  region: { type: 'string' },
  json: { type: 'boolean' },
  reason: { type: 'string' },
  'clear-manual': { type: 'boolean' },
  for: { type: 'string' },
  limit: { type: 'string' },
  'dry-run': { type: 'boolean' },
  format: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const [command = 'status', ...args] = argv;
  const parsed = parseCommandArgs(args, OPTIONS);
  if ('error' in parsed) {
    io.err(`poolscale ${command}: ${parsed.error}\n\n${USAGE[command]}`);
    return 2;
  }
  const { positionals } = parsed;
  const values = { ...parsed.values, limit: parsed.values.limit ?? '20' };
  if (values.help) {
    io.out(USAGE[command] ?? '');
    return 0;
  }
  const usage = (message: string) => {
    io.err(`poolscale ${command}: ${message}\n\n${USAGE[command]}`);
    return 2;
  };
  // An empty $POOLSCALE_API counts as unset.
  const baseUrl = values.api ?? (io.env.POOLSCALE_API || 'http://127.0.0.1:8080');
  let api: ApiClient;
  try {
    api = createApiClient({ baseUrl, ...(values.sigv4 ? { sigv4: true } : {}), ...(values.region ? { region: values.region } : {}), env: io.env });
  } catch (error) {
    return usage(`--api must be an http(s) URL such as http://127.0.0.1:8080, got "${baseUrl}" (${(error as Error).message})`);
  }

  try {
    switch (command) {
      case 'status':
        return await status(api, io, positionals[0], values.json ?? false);
      case 'scale': {
        const [id, count] = positionals;
        if (!id || count === undefined) return usage('expected a pool id and a count (DESIRED)');
        const desired = wholeNumber(count, 'DESIRED', 0);
        if (typeof desired === 'string') return usage(desired);
        if (!values.reason) return usage('--reason is required: say why, it is recorded in the history');
        let durationSeconds: number | undefined;
        if (values.for !== undefined) {
          const ms = parseDuration(values.for);
          if (!ms) return usage(`--for must be a duration such as 30m or 2h (got "${values.for}")`);
          durationSeconds = Math.ceil(ms / 1000);
        }
        // A change that was not applied is a 409 (conflict, paused) or 502 (the target refused):
        // the client throws, and the catch below prints why and exits 1.
        const result = await api('POST', `/pools/${encodeURIComponent(id)}/scale`, { desired, reason: values.reason, ...(durationSeconds ? { durationSeconds } : {}) });
        io.out(values.json ? JSON.stringify(result, null, 2) : `${id}: manual desired count ${desired}${durationSeconds ? ` for ${values.for}` : ' until resumed'}`);
        return 0;
      }
      case 'pause': {
        const [id] = positionals;
        if (!id) return usage('expected a pool id');
        const result = await api('POST', `/pools/${encodeURIComponent(id)}/pause`, { reason: values.reason ?? 'paused from the CLI' });
        io.out(values.json ? JSON.stringify(result, null, 2) : `${id}: paused`);
        return 0;
      }
      case 'resume': {
        const [id] = positionals;
        if (!id) return usage('expected a pool id');
        if (values['clear-manual']) {
          // Said before it happens: the count a person set gives way to the policy's.
          const manual = (await api<PoolDetail>('GET', `/pools/${encodeURIComponent(id)}`)).state?.manual;
          if (manual) io.err(`poolscale resume: warning: this ends the manual override to ${manual.desired}${manual.by ? ` by ${oneLine(manual.by)}` : ''} (${oneLine(manual.reason)}); the policy sets the count from its next evaluation`);
        }
        const result = await api<{ resume?: { wasPaused: boolean; manualCleared: boolean }; state?: PoolDetail['state'] }>(
          'POST',
          `/pools/${encodeURIComponent(id)}/resume`,
          values['clear-manual'] ? { clearManual: true } : {},
        );
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else io.out(resumeLine(id, result));
        return 0;
      }
      case 'history': {
        const [id] = positionals;
        if (!id) return usage('expected a pool id');
        const limit = wholeNumber(values.limit, '--limit', 1, 500);
        if (typeof limit === 'string') return usage(limit);
        const result = await api<{ decisions: Decision[] }>('GET', `/pools/${encodeURIComponent(id)}/history?limit=${limit}`);
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else for (const d of result.decisions) io.out(`${new Date(d.at).toISOString()}  ${historyAction(d).padEnd(10)} ${String(d.current).padStart(3)} -> ${String(d.desired).padEnd(3)}  ${humanText(oneLine(d.reasons.map((r) => r.message).join('; ')))}`);
        return 0;
      }
      case 'apply': {
        const [file] = positionals;
        if (!file) return usage('expected a config file');
        return await apply(api, io, resolve(io.cwd, file), values.format, values['dry-run'] ?? false);
      }
      case 'delete': {
        const [id, extra] = positionals;
        if (!id || extra !== undefined) return usage(id ? `expected one pool id, got ${positionals.length}` : 'expected a pool id');
        return await deletePool(api, io, id, values.yes ?? false, usage);
      }
      default:
        return usage(`unknown operator command "${command}"`);
    }
  } catch (error) {
    if (error instanceof ApiError) io.err(`poolscale ${command}: ${error.message}`);
    else io.err(`poolscale ${command}: cannot reach the API: ${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`);
    return 1;
  }
}

/** What a resume did, in one line: whether an override is still in force. */
function resumeLine(id: string, result: { resume?: { wasPaused: boolean; manualCleared: boolean }; state?: PoolDetail['state'] }): string {
  const parts = [result.resume && !result.resume.wasPaused ? `${id}: was not paused` : `${id}: resumed`];
  if (result.resume?.manualCleared) parts.push('manual override cleared');
  const manual = result.state?.manual;
  if (manual) parts.push(`manual override to ${manual.desired} stays in force (--clear-manual ends it)`);
  return parts.join('; ');
}

/** A decision's action as history shows it: `failed` when the target refused it. */
function historyAction(decision: Decision): string {
  return decision.reasons.some((r) => r.code === 'action.failed') ? 'failed' : decision.action;
}

/** `metric (source): class: message`, one per line, for a person reading a terminal. */
function metricErrorLines(errors: readonly MetricError[] | undefined, indent: string): string[] {
  return (errors ?? []).map((e) => `${indent}${oneLine(e.metric)} (${oneLine(e.source)}): ${oneLine(e.errorClass)}: ${oneLine(e.message)}`);
}

const untilText = (ms: number) => (ms > 0 ? `in ${humanDuration(ms)}` : 'expired');

function poolDetailLines(detail: PoolDetail, now: number): string[] {
  const { policy, state, lastDecision: last } = detail;
  const mode = state?.paused
    ? `paused (${oneLine(state.paused.reason)})`
    : state?.manual
      ? `manual ${state.manual.desired} (${oneLine(state.manual.reason)})${state.manual.until ? ` until ${new Date(state.manual.until).toISOString()} (${untilText(state.manual.until - now)})` : ''}`
      : 'auto';
  const lines = [
    `${policy.id}  target ${policy.target.kind}  bounds ${policy.min}..${policy.max}  desired ${state?.desired ?? '-'}  ${mode}`,
    ...(detail.revision ? [`revision ${detail.revision}`] : []),
  ];
  if (state?.lastActionError) lines.push(`last action failed: ${humanText(oneLine(state.lastActionError))}`);
  if (!last) return [...lines, 'no decision yet'];
  lines.push(
    `last decision ${new Date(last.at).toISOString()} (${humanDuration(Math.max(0, now - last.at))} ago): ${historyAction(last)} ${last.current} -> ${last.desired}${last.trigger ? ` (${oneLine(last.trigger)})` : ''}`,
  );
  for (const reason of last.reasons) lines.push(`  - ${humanText(oneLine(reason.message))}`);
  if (last.metricErrors?.length) lines.push('metrics not read:', ...metricErrorLines(last.metricErrors, '  - '));
  return lines;
}

async function status(api: ApiClient, io: CliIo, id: string | undefined, json: boolean): Promise<number> {
  if (id) {
    const result = await api<PoolDetail>('GET', `/pools/${encodeURIComponent(id)}`);
    if (json) io.out(JSON.stringify(result, null, 2));
    else for (const line of poolDetailLines(result, Date.now())) io.out(line);
    return 0;
  }
  const { pools } = await api<{ pools: PoolRow[] }>('GET', '/pools');
  if (json) {
    io.out(JSON.stringify({ pools }, null, 2));
    return 0;
  }
  const now = Date.now();
  const rows = pools.map((p) => {
    const failed = lastActionFailure(p);
    const last = p.lastAction;
    return [
      oneLine(p.id),
      oneLine(p.target),
      String(p.desired ?? '-'),
      String(p.ready ?? '-'),
      `${p.min}..${p.max}`,
      p.paused ? 'paused' : p.manual ? `manual ${p.manual.desired}` : p.dryRun ? 'dry-run' : 'auto',
      // A failed action did not happen: it does not read as the scale_up the engine chose.
      last ? `${failed === undefined ? last.action : 'FAILED'} ${last.current ?? '?'} -> ${last.desired}, ${humanDuration(Math.max(0, now - last.at))} ago` : '-',
      last ? humanText(oneLine(last.summary)) : '-',
    ];
  });
  const header = ['POOL', 'TARGET', 'DESIRED', 'READY', 'BOUNDS', 'STATE', 'LAST ACTION', 'WHY'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) io.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
  // What needs a person: a scaling action the target refused, and the metrics a decision could not read.
  for (const pool of pools) {
    const failed = lastActionFailure(pool);
    if (failed !== undefined) io.out(`${oneLine(pool.id)}: the last scaling action failed: ${failed}`);
  }
  for (const pool of pools) {
    const lines = metricErrorLines(pool.lastAction?.metricErrors, '  ');
    if (lines.length > 0) io.out(`${oneLine(pool.id)}: metrics not read in the last decision:\n${lines.join('\n')}`);
  }
  return 0;
}

/**
 * The error of a pool's last scaling action when the target refused it: the summary's
 * `lastActionError` (the pool state's), else the runtime's `scaling to N failed: ERROR` reason
 * in the last decision's summary (an API that does not send the field).
 */
function lastActionFailure(pool: PoolRow): string | undefined {
  if (pool.lastActionError) return humanText(oneLine(pool.lastActionError));
  const match = /(?:^|; )scaling to \d+ failed: (.*?)(?:; retried from fresh status next tick|$)/.exec(pool.lastAction?.summary ?? '');
  return match ? humanText(oneLine(match[1]!)) : undefined;
}

/** Flattens a value to `path: value` lines, for a readable difference. */
function flatten(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [`[${i}]`, v] as const) : Object.entries(value).map(([k, v]) => [path ? `.${k}` : k, v] as const);
    if (entries.length === 0 && path) out.set(path, Array.isArray(value) ? '[]' : '{}');
    for (const [key, child] of entries) flatten(child, `${path}${key}`, out);
  } else out.set(path, JSON.stringify(value));
  return out;
}

export function diffPolicies(before: unknown, after: unknown): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const lines: string[] = [];
  for (const [path, value] of a) {
    if (!b.has(path)) lines.push(`  - ${path}: ${value}`);
    else if (b.get(path) !== value) lines.push(`  ~ ${path}: ${value} -> ${b.get(path)}`);
  }
  for (const [path, value] of b) if (!a.has(path)) lines.push(`  + ${path}: ${value}`);
  return lines;
}

async function apply(api: ApiClient, io: CliIo, file: string, format: string | undefined, dryRun: boolean): Promise<number> {
  const loaded = withDataProblems(await loadConfigFile(file, format ? { format } : {}));
  for (const problem of loaded.problems) io.err(`${problem.severity}: ${problem.path || '(root)'}: ${problem.message}`);
  if (!loaded.config) {
    io.err(`poolscale apply: ${file} is not valid; nothing applied`);
    return 1;
  }
  let changes = 0;
  // Each write names the revision its difference was computed from (absent: a new pool).
  const plans: { id: string; body: unknown; revision?: string }[] = [];
  for (const policy of loaded.config.pools) {
    const wanted = toNativePolicy(policy);
    let current: unknown;
    let revision: string | undefined;
    try {
      // The API shows the policy as written; normalise it the same way as the file's.
      const existing = await api<{ policy: unknown; revision?: string }>('GET', `/pools/${encodeURIComponent(policy.id)}`);
      current = toNativePolicy(parsePolicy(existing.policy));
      revision = existing.revision;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    if (current === undefined) {
      io.out(`+ pool ${policy.id} (new)`);
      // All of it: there is nothing to compare a new pool with, so what would be created is the difference.
      for (const line of stringify(wanted, { lineWidth: 120 }).trimEnd().split('\n')) io.out(`  + ${line}`);
    } else {
      const lines = diffPolicies(current, wanted);
      if (lines.length === 0) {
        io.out(`= pool ${policy.id} (unchanged)`);
        continue;
      }
      io.out(`~ pool ${policy.id}`);
      for (const line of lines) io.out(line);
    }
    changes++;
    plans.push({ id: policy.id, body: wanted, ...(current === undefined ? {} : { revision: revision ?? '*' }) });
  }
  if (dryRun || changes === 0) {
    io.out(dryRun ? `dry run: ${changes} pool(s) would change` : 'nothing to apply');
    return 0;
  }
  const stale: string[] = [];
  for (const plan of plans) {
    const condition: Record<string, string> =
      plan.revision === undefined ? { 'if-none-match': '*' } : { 'if-match': plan.revision === '*' ? '*' : `"${plan.revision}"` };
    try {
      await api('PUT', `/pools/${encodeURIComponent(plan.id)}`, plan.body, condition);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 412)) throw error;
      io.err(`poolscale apply: pool ${plan.id} changed since the difference above was read (someone else wrote it); not applied`);
      stale.push(plan.id);
    }
  }
  const applied = changes - stale.length;
  io.out(`applied ${applied} pool(s)`);
  if (stale.length === 0) return 0;
  io.err(`poolscale apply: ${stale.length} pool(s) not applied (${stale.join(', ')}): run apply again to see the new difference`);
  return 1;
}

/** `delete ID`: confirms (or `--yes`), then deletes on the revision that was shown. */
async function deletePool(api: ApiClient, io: CliIo, id: string, yes: boolean, usage: (message: string) => number): Promise<number> {
  const detail = await api<PoolDetail>('GET', `/pools/${encodeURIComponent(id)}`);
  const line = `pool ${oneLine(id)}: target ${oneLine(detail.policy.target.kind)}, bounds ${detail.policy.min}..${detail.policy.max}, desired ${detail.state?.desired ?? '-'}`;
  if (!yes) {
    if (!process.stdin.isTTY) return usage('refusing to delete without --yes: stdin is not a terminal, so there is no one to confirm');
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      const answer = await prompt.question(`Delete ${line}? [y/N] `);
      if (!/^y(es)?$/i.test(answer.trim())) {
        io.err('poolscale delete: not deleted');
        return 1;
      }
    } finally {
      prompt.close();
    }
  }
  try {
    await api('DELETE', `/pools/${encodeURIComponent(id)}`, undefined, { 'if-match': detail.revision ? `"${detail.revision}"` : '*' });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 412)) throw error;
    io.err(`poolscale delete: pool ${oneLine(id)} changed since it was read (someone else wrote it); not deleted. Run delete again to see it.`);
    return 1;
  }
  io.out(`deleted ${line}`);
  return 0;
}
