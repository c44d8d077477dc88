/**
 * Issue 13 (terminal), as users run it: `node bin/poolscale.js ...` as a process. Did-you-mean
 * for the options of every command; `up` refuses a pool that can never receive data before
 * starting anything; `up`'s lines lead with a failed action and its error, on a pipe and on a
 * terminal (a pseudo-terminal 70 columns wide); `status` shows the last action and a failure;
 * `resume --clear-manual` warns that it ends the override.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiDeps } from '../../shared/api';
import { initialState, type Decision } from '../../shared/domain/types';
import { policy } from '../api/support';
import { botsApiDeps, startApiServer, type ApiServer } from '../support/apiServer';
import { CLI, cliWorkspace } from '../support/cliProcess';

const workspace = cliWorkspace('poolscale-terminal-');
const { cli, file } = workspace;

/** A host pool no agent serves: every scale up fails with `Agent "local" is not registered`. */
const FAILING = `pools:
  - id: web
    target: {kind: host, host: local, pool: p}
    min: 1
    max: 8
    interval: 1s
    metrics:
      queue_length: {source: static, value: 50}
    rules:
      - {type: target, metric: queue_length, perWorker: 10}
  - id: calm
    target: {kind: none}
    min: 1
    max: 8
    interval: 1s
    metrics:
      queue_length: {source: static, value: 0}
    rules:
      - {type: target, metric: queue_length, perWorker: 10}
`;

describe.concurrent('Process: did-you-mean for every command\'s options, exit 2', () => {
  it.each([
    { typed: ['up', '--confg', 'x.yaml'], first: 'poolscale up: unknown option --confg (did you mean --config?)' },
    { typed: ['up', '--load-speedp', '2'], first: 'poolscale up: unknown option --load-speedp (did you mean --load-speedup?)' },
    { typed: ['up', 'demo.yaml'], first: 'poolscale up: unexpected argument "demo.yaml" (the config is given as --config FILE)' },
    { typed: ['agent', '--confg', 'a.yaml'], first: 'poolscale agent: unknown option --confg (did you mean --config?)' },
    { typed: ['agent', 'stauts', '--config', 'a.yaml'], first: 'poolscale agent: unexpected argument "stauts" (did you mean "status"?)' },
    { typed: ['agent', 'stop', '--worker'], first: 'poolscale agent: unknown option --worker (did you mean --workers?)' },
    { typed: ['hosts', 'list', '--jsn'], first: 'poolscale hosts: unknown option --jsn (did you mean --json?)' },
    { typed: ['hosts', 'add', 'h1', '--pool', 'a'], first: 'poolscale hosts: unknown option --pool (did you mean --pools?)' },
    { typed: ['dashboard', '--prt', '1'], first: 'poolscale dashboard: unknown option --prt (did you mean --port?)' },
    { typed: ['validate', 'x.yaml', '--formt', 'h'], first: 'poolscale validate: unknown option --formt (did you mean --format?)' },
    { typed: ['import', 'x.env', '--hst', 'h'], first: 'poolscale import: unknown option --hst (did you mean --host?)' },
    { typed: ['status', '--jsn'], first: 'poolscale status: unknown option --jsn (did you mean --json?)' },
    { typed: ['resume', 'web', '--clear-manul'], first: 'poolscale resume: unknown option --clear-manul (did you mean --clear-manual?)' },
    { typed: ['up', '--zzzzzz'], first: 'poolscale up: unknown option --zzzzzz' },
    { typed: ['completion', 'bsh'], first: 'poolscale completion: unsupported "bsh" (did you mean "bash"?)' },
    { typed: ['completion', 'fish'], first: 'poolscale completion: unsupported "fish" (bash or zsh)' },
  ])('$typed', async ({ typed, first }) => {
    const result = await cli(...typed);
    expect(result.code).toBe(2);
    expect(result.err.split('\n')[0]).toBe(first);
    expect(result.err).toContain('Usage');
  }, 60_000);
});

describe.concurrent('Process: up refuses pools that can never receive data', () => {
  it.each([
    {
      case: 'an ECS pool without metrics',
      yaml: 'pools:\n  - id: web\n    target: {kind: ecs, cluster: c, service: s}\n    min: 1\n    max: 4\n    rules:\n      - {type: target, targetValue: 0.6}\n',
      names: 'pool "web" (pools[0].rules[0].metric)',
    },
    {
      case: 'a misspelt metric in the second pool',
      yaml:
        'pools:\n  - id: ok\n    target: {kind: none}\n    min: 0\n    max: 4\n    metrics:\n      busy: {source: static, value: 1}\n    rules:\n      - {type: buffer, minFree: 1, batch: 1}\n' +
        '  - id: queue\n    target: {kind: host, host: h, pool: p}\n    min: 0\n    max: 4\n    metrics:\n      queue_length: {source: static, value: 1}\n    rules:\n      - {type: target, metric: queue_lenght, perWorker: 10}\n',
      names: 'pool "queue" (pools[1].rules[0].metric)',
    },
  ])('$case: exit 2, the pool and field named, nothing started', async ({ case: name, yaml, names }) => {
    const data = join(workspace.dir, `data-${name.replace(/\W+/g, '-')}`);
    const result = await cli('up', '--config', file(`${name.replace(/\W+/g, '-')}.yaml`, yaml), '--port', '0', '--data', data, '--duration', '30');

    expect(result.code).toBe(2);
    expect(result.err).toContain(`poolscale up: nothing started: ${names} can never receive data`);
    expect(result.err).toMatch(/^error: pools\[\d\]\.rules\[0\]\.metric: /m);
    expect(result.out).not.toContain('API on');
    expect(existsSync(data)).toBe(false);
  }, 60_000);

  it('a pool with target none and no data only warns, and up runs', async () => {
    const yaml = 'pools:\n  - id: dry\n    target: {kind: none}\n    min: 1\n    max: 4\n    rules:\n      - {type: target, targetValue: 0.6}\n';
    const result = await cli('up', '--config', file('dry.yaml', yaml), '--port', '0', '--in-memory', '--data', join(workspace.dir, 'data-dry'), '--duration', '1');

    expect(result.code).toBe(0);
    expect(result.err).toContain('warning: pools[0].rules[0].metric: The rule reads "utilization"');
    expect(result.out).toContain('poolscale up: stopped');
  }, 60_000);
});

describe('Process: up\'s lines lead with a failed action', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  /** Runs until `done(output)` holds (deadline 90 s), then Ctrl-C; the output and exit code. */
  async function runUntil(command: string, args: string[], done: (output: string) => boolean): Promise<{ output: string; code: number | null }> {
    child = spawn(command, args, { cwd: workspace.dir, env: { ...process.env, POOLSCALE_API: '' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 90_000;
    while (!done(output) && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    expect(done(output), output).toBe(true);
    child.kill('SIGINT');
    return { output, code: await exited };
  }

  it('on a pipe: one line per action, FAILED with the target\'s error, never "scale_up" for it', async () => {
    const config = file('failing.yaml', FAILING);
    const { output, code } = await runUntil(process.execPath, [CLI, 'up', '--config', config, '--port', '0', '--in-memory', '--data', join(workspace.dir, 'data-pipe')], (text) =>
      text.split('\n').filter((line) => line.includes(' web ')).length >= 2,
    );

    const lines = output.split('\n').filter((line) => / (FAILED {2})?web {2}/.test(line));
    expect(code).toBe(0);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const line of lines) {
      expect(line).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z FAILED {2}web {2}desired 1 {2}ready \? {2}\[1\.\.8\] {2}failed: Agent "local" is not registered {2}queue_length 50 \/ 10 per worker -> 5; scale up 1 -> 5$/);
    }
    // The calm pool holds: no line for it on a pipe.
    expect(output).not.toMatch(/Z calm /);
  }, 120_000);

  it('on a 70-column terminal: the board redraws in place, FAILED first, each line within 69 columns with its middle elided', async () => {
    const config = file('failing-tty.yaml', FAILING);
    // util-linux `script` runs up on a pseudo-terminal; `stty cols 70` sets its width.
    const command = `stty cols 70; exec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} up --config ${config} --port 0 --in-memory --data ${join(workspace.dir, 'data-tty')}`;
    const failedRedraw = '\u001b[2F\u001b[2KFAILED';
    const { output } = await runUntil('script', ['-qefc', command, '/dev/null'], (text) => text.split(failedRedraw).length >= 3);

    // The screen as the user sees it: each redraw moves up over the two lines it drew.
    const redraws = output.split('\u001b[2F').slice(1);
    const last = redraws.filter((redraw) => redraw.startsWith('\u001b[2KFAILED')).at(-2)!.split(/\r?\n/).slice(0, 2).map((line) => line.replace(/^\u001b\[2K/, ''));
    expect(last[0], output).toMatch(/^FAILED {2}web {3}desired 1 {2}ready \? {2}\[1\.\.8\] {2}failed: Agent .*…/);
    expect(last[0]!.endsWith('up 1 -> 5')).toBe(true);
    expect(last[1]).toMatch(/^ {8}calm {2}desired 1 {2}ready [\d?] {2}\[1\.\.8\] {2}none/);
    for (const line of last) expect(Array.from(line).length).toBeLessThanOrEqual(69);
    // Nothing from data is a raw control sequence: only the board's own moves and erases (2K line, 2F up, J below).
    // eslint-disable-next-line no-control-regex
    expect(redraws.join('').replace(/\u001b\[(2K|2F|J)/g, '')).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
  }, 120_000);
});

describe('Process: status and resume against an API', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  async function start(state: Partial<ReturnType<typeof initialState>>): Promise<ApiDeps> {
    const { deps } = botsApiDeps();
    await deps.states.put({ ...initialState('bots'), version: 1, desired: 2, ...state }, 0);
    server = await startApiServer(deps);
    return deps;
  }

  it('status: the last action with its age; a failed one reads FAILED, with the error under the table', async () => {
    const failed: Decision = {
      poolId: 'bots',
      at: Date.now() - 90_000,
      current: 2,
      desired: 6,
      action: 'scale_up',
      dryRun: false,
      reasons: [
        { code: 'rule.target', message: 'utilization 0.7430894308943089 > 0.6 -> 6' },
        { code: 'action.failed', message: 'scaling to 6 failed: service bot-pool not found; retried from fresh status next tick' },
      ],
      proposals: [],
    };
    await start({ lastDecision: failed, lastActionError: 'service bot-pool not found' });

    const table = await cli('status', '--api', server!.url);
    const detail = await cli('status', 'bots', '--api', server!.url);
    const json = await cli('status', '--json', '--api', server!.url);

    expect(table.code).toBe(0);
    const [header, row] = table.out.split('\n');
    expect(header).toMatch(/^POOL\s+TARGET\s+DESIRED\s+READY\s+BOUNDS\s+STATE\s+LAST ACTION\s+WHY$/);
    expect(row).toMatch(/^bots\s+none\s+2\s+\S+\s+1\.\.20\s+auto\s+FAILED 2 -> 6, 1m \d+s ago\s+utilization 0\.743 > 0\.6 -> 6; scaling to 6 failed/);
    expect(row).not.toContain('scale_up');
    expect(table.out).toContain('bots: the last scaling action failed: service bot-pool not found\n');
    expect(detail.out).toContain('last action failed: service bot-pool not found');
    expect(detail.out).toMatch(/last decision \S+ \(1m \d+s ago\): failed 2 -> 6/);
    // --json is the API's answer, unchanged: exact numbers, the engine's action.
    expect(JSON.parse(json.out).pools[0].lastAction).toMatchObject({ action: 'scale_up', summary: expect.stringContaining('0.7430894308943089') });
  }, 90_000);

  it.each([
    { case: 'with a manual override, --clear-manual warns that it ends it', manual: true, args: ['--clear-manual'], warns: true },
    { case: 'without an override, no warning', manual: false, args: ['--clear-manual'], warns: false },
    { case: 'without --clear-manual the override stays, no warning', manual: true, args: [], warns: false },
  ])('resume: $case', async ({ manual, args, warns }) => {
    const deps = await start(manual ? { manual: { desired: 6, reason: 'launch', by: 'ana', at: Date.now() } } : {});

    const result = await cli('resume', 'bots', ...args, '--api', server!.url);

    expect(result.code).toBe(0);
    const warning = 'poolscale resume: warning: this ends the manual override to 6 by ana (launch); the policy sets the count from its next evaluation';
    if (warns) expect(result.err).toContain(warning);
    else expect(result.err).not.toContain('warning');
    expect((await deps.states.get('bots'))?.manual !== undefined).toBe(manual && args.length === 0);
  }, 90_000);
});
