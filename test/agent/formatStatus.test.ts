import { describe, expect, it } from 'vitest';
import type { AgentStatus } from '../../shared/agent/Agent';
import { formatStatus } from '../../shared/cli/commands/agent';

const NOW = Date.UTC(2026, 10, 27, 10, 0, 0);

function status(pool: Partial<AgentStatus['pools'][number]>, workers: AgentStatus['pools'][number]['workers']): AgentStatus {
  return {
    hostId: 'r620-01',
    version: '0.1.0',
    pid: 4242,
    startedAt: NOW - 60_000,
    relay: { up: true, failures: 0 },
    pools: [{ name: 'celery', kind: 'celery', running: 2, desired: 2, busy: 3, rssGb: 1.5, poolId: 'celery', policy: 'local', workers, ...pool } as AgentStatus['pools'][number]],
  };
}

const worker = (name: string, tasks?: number, reserved?: number) =>
  ({ name, pid: 100, pgid: 100, state: 'running', startedAt: NOW - 30_000, rssGb: 0.5, cpu: 12, ...(tasks === undefined ? {} : { tasks }), ...(reserved === undefined ? {} : { reserved }) }) as unknown as AgentStatus['pools'][number]['workers'][number];

describe('Function: formatStatus (`poolscale agent status`)', () => {
  it.each([
    { case: 'Celery tasks with prefetched ones', w: worker('celery-0', 2, 1), cell: '2+1' },
    { case: 'tasks without prefetch', w: worker('celery-0', 1), cell: /celery-0.*\s1$/m },
    { case: 'no task figure (command workers)', w: worker('cmd-0'), cell: /cmd-0.*\s-$/m },
  ])('shows each worker\'s tasks: $case', ({ w, cell }) => {
    const out = formatStatus(status({}, [w]), NOW);
    expect(out).toMatch(/WORKER\s+PID\s+STATE\s+UP\s+RSS GB\s+CPU %\s+TASKS/);
    if (typeof cell === 'string') expect(out).toContain(cell);
    else expect(out).toMatch(cell);
  });

  it('says why a desired count above the host cap was refused', () => {
    const refused = 'desired 40 above the host cap of 12 workers (memory 48 GB / 4 GB per worker): running 12';
    expect(formatStatus(status({ refused }, []), NOW)).toContain(`celery: ${refused}`);
    expect(formatStatus(status({}, []), NOW)).not.toContain('host cap');
  });
});
