/**
 * Issue 13 (validate/import): a rule reading a metric nothing provides is an error (a warning
 * for target `none`), a misspelt metric always; `import` of a seed without metric sources leaves
 * a commented `metrics:` block to fill in and says so. Run as users run them, as processes.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, cliWorkspace } from '../support/cliProcess';

const workspace = cliWorkspace('poolscale-unfed-');
const { cli, file } = workspace;

// Each case is its own process and its own files: run them side by side.
describe.concurrent('Process: pools whose rules can never receive data', () => {
  it.each([
    {
      case: 'a misspelt metric name (any target)',
      yaml: 'pools:\n  - id: q\n    target: {kind: none}\n    min: 0\n    max: 4\n    metrics:\n      queue_length: {source: redis, type: list_length, key: jobs}\n    rules:\n      - {type: target, metric: queue_lenght, perWorker: 10}\n',
      line: 'error: pools[0].rules[0].metric: Metric "queue_lenght" is not defined in `metrics` (did you mean "queue_length"?)',
    },
    {
      case: 'an ECS pool with no metrics block',
      yaml: 'pools:\n  - id: web\n    target: {kind: ecs, cluster: c, service: s}\n    min: 1\n    max: 4\n    rules:\n      - {type: target, targetValue: 0.6}\n',
      line: 'error: pools[0].rules[0].metric: The rule reads "utilization" but pools[0] has no `metrics:` block',
    },
    {
      case: 'a host pool missing the metric its steps read',
      yaml: 'pools:\n  - id: web\n    target: {kind: host, host: h, pool: p}\n    min: 1\n    max: 4\n    metrics:\n      mem_available_gb: {source: host, type: mem_available_gb}\n    rules:\n      - type: steps\n        up: [{above: 80, workers: 2}]\n        down: [{below: 20, workers: 1}]\n',
      line: 'error: pools[0].rules[0].metric: The rule reads "cpu" but pools[0] does not define `metrics.cpu`',
    },
  ])('validate: $case is an error, exit 1', async ({ case: name, yaml, line }) => {
    const result = await cli('validate', file(`${name.replace(/\W+/g, '-')}.yaml`, yaml));
    expect(result.code).toBe(1);
    expect(result.out).toContain(line);
  }, 60_000);

  it('validate: a buffer pool needs busy or free, not both; a schedule needs no metric', async () => {
    const yaml =
      'pools:\n  - id: bots\n    target: {kind: ecs, cluster: c, service: s}\n    min: 0\n    max: 9\n    metrics:\n      free: {source: redis, type: number, key: free}\n    rules:\n      - {type: buffer, minFree: 1, batch: 2}\n' +
      '  - id: office\n    target: {kind: ecs, cluster: c, service: t}\n    min: 0\n    max: 9\n    rules:\n      - type: schedule\n        windows: [{cron: "0 8 * * 1-5", duration: 10h, min: 3}]\n';
    const result = await cli('validate', file('fed.yaml', yaml));
    expect(result.out).toBe(`OK: 2 pool(s) in ${join(workspace.dir, 'fed.yaml')} (poolscale)\n`);
    expect(result.code).toBe(0);
  }, 60_000);

  it.each(['002-templates.yaml', '004-autoscaler.json'])('import %s: a commented metrics: block to fill in, said on stderr; validate points at it', async (seed) => {
    const imported = await cli('import', join(ROOT, 'examples/seeds', seed));
    const path = file(`${seed}.imported.yaml`, imported.out);
    const validated = await cli('validate', path);
    const filled = await cli('validate', file(`${seed}.filled.yaml`, uncommentTodos(imported.out)));

    expect(imported.code).toBe(0);
    expect(imported.err).toContain('the output has a commented `metrics:` block (TODO) in each pool above: fill it in before applying');
    expect(imported.out).toContain('    # TODO: the rules read utilization');
    expect(imported.out).toContain('    # metrics:\n    #   utilization:\n    #     source: cloudwatch');
    // Target `none` (the seed scales through its own manager): a warning that names the block, not silence.
    expect(validated.code).toBe(0);
    expect(validated.out).toMatch(/warning: pools\[0\]\.rules\[0\]\.metric: The rule reads "utilization" but pools\[0\] has no `metrics:` block: nothing sends it a value, so the pool never scales.*leaves a commented block to fill in/);
    // Uncommented as written, the block is a valid metrics: section and the warnings go.
    expect(filled.code).toBe(0);
    expect(filled.out).not.toContain('never scales');
  }, 60_000);

  it('import of a seed with its metric sources writes no TODO block', async () => {
    const imported = await cli('import', join(ROOT, 'examples/seeds/001-celery.env'));
    expect(imported.code).toBe(0);
    expect(imported.out).not.toContain('TODO');
    expect(imported.err).not.toContain('metrics:');
  }, 60_000);
});

/** The TODO block as a user fills it in: uncommented (the explanation lines dropped). */
function uncommentTodos(yaml: string): string {
  return yaml
    .split('\n')
    .filter((line) => !/^ {4}# (TODO|until defined)/.test(line))
    .map((line) => line.replace(/^ {4}# /, '    '))
    .join('\n');
}
