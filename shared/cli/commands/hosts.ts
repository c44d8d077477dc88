/**
 * `poolscale hosts add|list|remove|rotate-secret`: enrol the hosts whose agents report to the
 * relay, through the operator API (IAM/SigV4 on AWS, the local token with `poolscale up`).
 * The secret is printed once, by `add` and `rotate-secret`; nothing else ever shows it.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { HOST_ID_RULE, hostIdProblem } from '../../relay/hostId';
import type { AgentSummary } from '../../ports/AgentStore';
import { ApiError, createApiClient } from '../apiClient';
import { parseCommandArgs } from '../args';
import { humanDuration } from '../../domain/humanFormat';
import type { CliIo } from '../io';

export const summary = 'Enrol and manage hosts: hosts add|list|remove|rotate-secret';

const USAGE = `Usage: poolscale hosts <add|list|remove|rotate-secret> [ID] [options]

  hosts list                         hosts, their pools and when they last reported
  hosts add ID [--pools a,b]         enrol host ID for pools a and b; prints its secret once
  hosts remove ID                    remove the host: its heartbeats are refused from then on
  hosts rotate-secret ID             a new secret (printed once); the old one stops working

A host id is ${HOST_ID_RULE}.

Options:
  --api URL          API base URL (default $POOLSCALE_API or http://127.0.0.1:8080)
  --sigv4            sign requests with SigV4 (automatic for execute-api URLs)
  --region REGION    region for SigV4 (default from the URL or $AWS_REGION)
  --pools LIST       add: comma-separated pool ids the host serves
  --secret-file FILE add, rotate-secret: write the secret to FILE (mode 0600) instead of printing it
  --json             print the API's JSON (secret included for add and rotate-secret)`;

interface SecretAnswer {
  host: AgentSummary;
  secret: string;
}

const OPTIONS = {
  api: { type: 'string' },
  sigv4: { type: 'boolean' },
  region: { type: 'string' },
  pools: { type: 'string' },
  'secret-file': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function run(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, OPTIONS);
  if ('error' in parsed) {
    io.err(`poolscale hosts: ${parsed.error}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [action, id, ...extra] = positionals;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const usage = (message: string) => {
    io.err(`poolscale hosts: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (!action) return usage('expected add, list, remove or rotate-secret');
  if (!['add', 'list', 'remove', 'rotate-secret'].includes(action)) return usage(`unknown action "${action}"; expected add, list, remove or rotate-secret`);
  if (action === 'list' ? id !== undefined : id === undefined) return usage(action === 'list' ? `list takes no host id (got "${id}")` : `${action} needs a host id`);
  if (extra.length > 0) return usage(`unexpected argument "${extra[0]}"`);
  if (id !== undefined) {
    const problem = hostIdProblem(id);
    if (problem) return usage(problem);
  }
  if (values.pools !== undefined && action !== 'add') return usage('--pools is for add only');
  if (values['secret-file'] !== undefined && action !== 'add' && action !== 'rotate-secret') return usage('--secret-file is for add and rotate-secret only');

  const api = createApiClient({
    // An empty $POOLSCALE_API counts as unset.
    baseUrl: values.api ?? (io.env.POOLSCALE_API || 'http://127.0.0.1:8080'),
    ...(values.sigv4 ? { sigv4: true } : {}),
    ...(values.region ? { region: values.region } : {}),
    env: io.env,
    cwd: io.cwd,
  });

  try {
    switch (action) {
      case 'list': {
        const result = await api<{ hosts: AgentSummary[] }>('GET', '/hosts');
        if (values.json) io.out(JSON.stringify(result, null, 2));
        else if (result.hosts.length === 0) io.out('No hosts enrolled. Enrol one with `poolscale hosts add ID --pools POOL`.');
        else for (const host of result.hosts) io.out(hostLine(host, Date.now()));
        return 0;
      }
      case 'add': {
        const poolIds = (values.pools ?? '').split(',').map((p) => p.trim()).filter(Boolean);
        const result = await api<SecretAnswer>('POST', '/hosts', { hostId: id, poolIds });
        return printSecret(io, result, values, `Enrolled host ${id}${poolIds.length ? ` for pools ${poolIds.join(', ')}` : ' (no pools yet)'}.`);
      }
      case 'rotate-secret': {
        const result = await api<SecretAnswer>('POST', `/hosts/${encodeURIComponent(id!)}/rotate-secret`, {});
        return printSecret(io, result, values, `New secret for host ${id}; the old one no longer works.`);
      }
      case 'remove': {
        await api('DELETE', `/hosts/${encodeURIComponent(id!)}`);
        io.out(values.json ? JSON.stringify({ removed: id }) : `Removed host ${id}: its heartbeats are refused from now on.`);
        return 0;
      }
    }
  } catch (error) {
    if (error instanceof ApiError) io.err(`poolscale hosts ${action}: ${error.message}`);
    else io.err(`poolscale hosts ${action}: cannot reach the API: ${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`);
    return 1;
  }
  return 2;
}

function printSecret(io: CliIo, result: SecretAnswer, values: { json?: boolean; 'secret-file'?: string }, headline: string): number {
  const file = values['secret-file'];
  if (file) {
    const path = resolve(io.cwd, file);
    writeFileSync(path, `${result.secret}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  if (values.json) {
    io.out(JSON.stringify(file ? { ...result, secret: undefined, secretFile: resolve(io.cwd, file) } : result, null, 2));
    return 0;
  }
  io.out(headline);
  if (file) {
    io.out(`The secret is in ${resolve(io.cwd, file)} (mode 0600). Point the agent at it: secretFile: ${resolve(io.cwd, file)}`);
  } else {
    io.out(`secret: ${result.secret}`);
    io.out('It is shown once: put it in the agent config (secretFile, mode 0600, or POOLSCALE_AGENT_SECRET).');
  }
  return 0;
}

function hostLine(host: AgentSummary, now: number): string {
  const seen = host.lastSeenAt ? `last seen ${new Date(host.lastSeenAt).toISOString()} (${humanDuration(Math.max(0, now - host.lastSeenAt))} ago)` : 'never reported';
  const desired = Object.entries(host.desired ?? {}).map(([pool, count]) => `${pool}=${count}`).join(' ');
  return `${host.hostId.padEnd(20)} pools: ${host.poolIds.join(', ') || '-'}  ${seen}${desired ? `  desired: ${desired}` : ''}`;
}
