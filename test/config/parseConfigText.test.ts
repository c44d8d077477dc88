import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { toNativeConfig, toYaml } from '../../shared/config/format';
import { detectFormat, loadConfigFile, parseConfigText } from '../../shared/config/load';
import type { Policy } from '../../shared/domain/policy';

const SEEDS = join(import.meta.dirname, '../../examples/seeds');
const example = (name: string) => readFileSync(join(SEEDS, name), 'utf8');

/** The seed 002 Elixir config block, as in the seed. */
const ELIXIR = `# config/config.exs
config :dspex, DSPex.Python.DynamicScaling,
  # Global scaling settings
  enabled: true,
  evaluation_interval: 60_000,        # Evaluate scaling every minute

  resource_limits: %{
    max_total_workers: 100,           # System-wide worker limit
    max_memory_usage: 16_000,         # 16GB max memory
    max_cpu_cores: 32,                # 32 cores max
    emergency_reserve: 0.1            # Keep 10% resources in reserve
  },

  # Scaling policies by pool type
  scaling_policies: %{
    general: :conservative,
    embedding: :aggressive,
    generation: :high_performance,
    classification: :cost_optimized
  }
`;

/** The seed 004 Python initialisation, as in the seed. */
const PYTHON = `auto_scaler = AutoScaler(
    worker_registry=worker_registry,
    task_distributor=task_distributor,
    cloud_manager=cloud_manager,
    min_workers=2,
    max_workers=10,
    scale_up_threshold=0.8,     # Utilization threshold for scaling up
    scale_down_threshold=0.2,   # Utilization threshold for scaling down
    cooldown_period=300,        # Seconds between scaling operations
    metrics_window=300          # Window for metrics collection (seconds)
)`;

const onlyPool = (text: string, options = {}): Policy => {
  const result = parseConfigText(text, options);
  expect(result.problems.filter((p) => p.severity === 'error')).toEqual([]);
  expect(result.config?.pools).toHaveLength(1);
  return result.config!.pools[0]!;
};

describe('Function: detectFormat', () => {
  it.each([
    { case: '000 env', file: '000-bots.env', format: 'seed000-env' },
    { case: '001 production env', file: '001-celery.env', format: 'seed001-env' },
    { case: '001 dev env', file: '001-celery.dev.env', format: 'seed001-env' },
    { case: '002 YAML', file: '002-templates.yaml', format: 'seed002-templates' },
    { case: '003 JSON with comments', file: '003-projects.json', format: 'seed003-json' },
    { case: '004 JSON', file: '004-autoscaler.json', format: 'seed004-json' },
  ])('recognises $case', ({ file, format }) => {
    expect(detectFormat(example(file))).toMatchObject({ format });
  });

  it.each([
    { case: 'Elixir config', text: ELIXIR, format: 'seed002-templates' },
    { case: 'Python AutoScaler call', text: PYTHON, format: 'seed004-json' },
    { case: 'native YAML', text: 'pools:\n  - id: a\n', format: 'poolscale' },
    { case: 'native JSON', text: '{"pools": []}', format: 'poolscale' },
    { case: '002 JSON', text: '{"scaling_policies": {"general": "conservative"}}', format: 'seed002-templates' },
    { case: 'export-style env', text: 'export MIN_FREE_BOTS="2"\n', format: 'seed000-env' },
  ])('recognises $case', ({ text, format }) => {
    expect(detectFormat(text)).toMatchObject({ format });
  });

  it.each([
    { case: 'empty file', text: '  \n', problem: /empty/ },
    { case: 'env without seed variables', text: 'DATABASE_URL=postgres://x\n', problem: /without seed 000 variables/ },
    { case: 'env mixing 000 and 001', text: 'MIN_FREE_BOTS=3\nMEMORY_THRESHOLD_GB=8\n', problem: /pass --format/ },
    { case: 'a list', text: '- 1\n- 2\n', problem: /mapping at the top level/ },
    { case: 'unknown mapping', text: 'foo: 1\nbar: 2\n', problem: /Unrecognised config.*foo, bar/ },
    { case: 'broken JSON', text: '{"pools": [', problem: /Not valid JSON/ },
    { case: 'an agent config', text: 'hostId: web-1\npools:\n  - name: w\n', problem: /agent config.*poolscale agent/ },
  ])('names why it cannot recognise $case', ({ text, problem }) => {
    const detected = detectFormat(text);
    expect('problem' in detected && detected.problem).toMatch(problem);
  });
});

describe('Function: parseConfigText', () => {
  it('converts seed 000 to a buffer pool counting ACTIVE bots', () => {
    // Act
    const result = parseConfigText(example('000-bots.env'));
    const pool = result.config!.pools[0]!;
    // Assess
    expect(result.format).toBe('seed000-env');
    expect(pool).toMatchObject({ id: 'bot-pool', target: { kind: 'none' }, min: 0, max: 100, interval: 30_000 });
    expect(pool.metrics.busy).toEqual({ source: 'redis', type: 'count_keys', pattern: 'bot_status:*', equals: 'ACTIVE' });
    expect(pool.rules).toEqual([expect.objectContaining({ type: 'buffer', minFree: 3, batch: 5 })]);
    expect(pool.behaviour.cooldownUp).toBe(0);
    expect(result.problems).toContainEqual(expect.objectContaining({ severity: 'warning', message: expect.stringMatching(/target `none`.*ECS target/) }));
  });

  it('uses the seed 000 defaults for missing variables, with a warning each', () => {
    // Act
    const result = parseConfigText('SCALE_BATCH=2\n', { format: 'seed000-env' });
    // Assess
    const pool = result.config!.pools[0]!;
    expect(pool).toMatchObject({ max: 100, interval: 30_000, rules: [expect.objectContaining({ minFree: 3, batch: 2 })] });
    expect(result.problems.filter((p) => /not set; using the seed's default/.test(p.message)).map((p) => p.path)).toEqual([
      'MIN_FREE_BOTS',
      'MAX_TOTAL_BOTS',
      'CHECK_INTERVAL',
    ]);
  });

  it('warns when seed 000 has SCALE_BATCH below MIN_FREE_BOTS', () => {
    // Act
    const result = parseConfigText('MIN_FREE_BOTS=5\nMAX_TOTAL_BOTS=20\nSCALE_BATCH=2\nCHECK_INTERVAL=60\n');
    // Assess
    expect(result.config).toBeDefined();
    expect(result.problems).toContainEqual(expect.objectContaining({ path: 'pools[0].rules[0].batch', severity: 'warning', value: 2 }));
  });

  it('reports a seed value that is not a number at the seed variable', () => {
    // Act
    const result = parseConfigText('MIN_FREE_BOTS=three\nMAX_TOTAL_BOTS=10\nSCALE_BATCH=5\nCHECK_INTERVAL=30\n');
    // Assess
    expect(result.config).toBeUndefined();
    expect(result.problems).toContainEqual(expect.objectContaining({ path: 'MIN_FREE_BOTS', severity: 'error', value: 'three' }));
  });

  it('converts seed 001 production settings to a memory-fit host pool', () => {
    // Act
    const pool = onlyPool(example('001-celery.env'));
    // Assess
    expect(pool).toMatchObject({ id: 'celery', target: { kind: 'host', host: 'r620', pool: 'celery' }, min: 2, max: 8, interval: 20_000, enabled: true });
    expect(pool.metrics.mem_available_gb).toEqual({ source: 'host', type: 'mem_available_gb' });
    expect(pool.rules).toEqual([expect.objectContaining({ type: 'memory', perWorkerGb: 6, thresholdGb: 12, reserveGb: 4, role: 'size' })]);
    expect(pool.behaviour).toMatchObject({ cooldownUp: 0, cooldownDown: 0, stabilizationDown: 0 });
  });

  it.each([
    { case: 'disabled', text: 'ENABLE_AUTO_SCALING=false\nMAX_WORKERS=4\n', expected: { enabled: false } },
    { case: 'HOSTNAME names the host', text: 'HOSTNAME=gpu-01\nMEMORY_THRESHOLD_GB=8\n', expected: { target: { kind: 'host', host: 'gpu-01', pool: 'celery' } } },
    { case: 'dev settings', text: example('001-celery.dev.env'), expected: { min: 1, max: 4, interval: 30_000 } },
  ])('reads seed 001: $case', ({ text, expected }) => {
    expect(onlyPool(text, { format: 'seed001-env' })).toMatchObject(expected);
  });

  it('converts seed 003 projects to sustained CPU step pools', () => {
    // Act
    const pool = onlyPool(example('003-projects.json'));
    // Assess
    expect(pool).toMatchObject({ id: 'backdipro', target: { kind: 'host', host: 'victus', pool: 'backdipro' }, min: 1, max: 6, interval: 120_000, enabled: true });
    expect(Object.keys(pool.metrics).sort()).toEqual(['cpu', 'mem_available_gb']);
    expect(pool.rules[0]).toMatchObject({
      type: 'steps',
      metric: 'cpu',
      up: [
        { above: 65, workers: 2 },
        { above: 75, workers: 3 },
        { above: 80, workers: 4 },
        { above: 85, workers: 5 },
        { above: 90, workers: 6 },
      ],
      down: [
        { below: 45, workers: 2 },
        { below: 35, workers: 1 },
      ],
      upFor: 180_000,
      downFor: 900_000,
      memoryPerWorkerGb: 0.5,
      scaleDownMinAvailableGb: 8,
    });
  });

  it('converts several seed 003 projects, sanitising names, keeping `enabled`', () => {
    // Prepare
    const text = JSON.stringify({
      'Shop.API': { enabled: false, min_workers: 2, max_workers: 4, cpu_thresholds: { scale_up_3: 70, scale_down_2: 30 }, cpu_duration_minutes: { scale_up: 1, scale_down: 10 } },
      backdipro: { enabled: true, min_workers: 1, max_workers: 2, cpu_thresholds: { scale_up_2: 80 } },
    });
    // Act
    const result = parseConfigText(text, { host: 'web-1' });
    // Assess
    expect(result.config!.pools.map((p) => [p.id, p.enabled, p.target])).toEqual([
      ['shop-api', false, { kind: 'host', host: 'web-1', pool: 'Shop.API' }],
      ['backdipro', true, { kind: 'host', host: 'web-1', pool: 'backdipro' }],
    ]);
    expect(result.config!.pools[0]!.rules[0]).toMatchObject({ upFor: 60_000, downFor: 600_000 });
  });

  it('reports a seed 003 threshold key it cannot read', () => {
    // Act
    const result = parseConfigText('{"p": {"min_workers": 1, "max_workers": 3, "cpu_thresholds": {"up_to_3": 70}}}');
    // Assess
    expect(result.problems).toContainEqual(expect.objectContaining({ path: 'p.cpu_thresholds.up_to_3', severity: 'error', value: 70 }));
  });

  it.each([
    { case: 'JSON', text: example('004-autoscaler.json') },
    { case: 'Python call', text: PYTHON },
  ])('converts seed 004 ($case) to a threshold target rule with pending tasks', ({ text }) => {
    // Act
    const pool = onlyPool(text);
    // Assess
    expect(pool).toMatchObject({ id: 'workers', target: { kind: 'none' }, min: 2, max: 10 });
    expect(pool.rules).toEqual([
      expect.objectContaining({ type: 'target', metric: 'utilization', scaleUpThreshold: 0.8, scaleDownThreshold: 0.2, requirePending: true, window: 300_000 }),
    ]);
    expect(pool.behaviour).toMatchObject({ cooldownUp: 300_000, cooldownDown: 300_000, stabilizationDown: 0 });
  });

  it('reports seed 004 percentages where ratios belong', () => {
    // Act
    const result = parseConfigText('{"min_workers": 1, "max_workers": 4, "scale_up_threshold": 80, "scale_down_threshold": 20}');
    // Assess
    expect(result.config).toBeUndefined();
    expect(result.problems.filter((p) => p.severity === 'error').map((p) => p.path)).toEqual([
      'pools[0].rules[0].scaleUpThreshold',
      'pools[0].rules[0].scaleDownThreshold',
    ]);
  });

  it.each([
    { case: 'YAML', text: example('002-templates.yaml'), interval: 60_000 },
    { case: 'Elixir config', text: ELIXIR, interval: 60_000 },
  ])('converts seed 002 ($case) to templated pools and a budget', ({ text, interval }) => {
    // Act
    const result = parseConfigText(text);
    // Assess
    expect(result.format).toBe('seed002-templates');
    const pools = result.config!.pools;
    expect(pools.map((p) => [p.id, p.template, p.min, p.max])).toEqual([
      ['general', 'conservative', 1, 10],
      ['embedding', 'aggressive', 1, 10],
      ['generation', 'high_performance', 1, 10],
      ['classification', 'cost_optimized', 1, 10],
    ]);
    expect(pools.every((p) => p.interval === interval && p.target.kind === 'none')).toBe(true);
    expect(pools[2]!.rules.map((r) => r.type)).toEqual(['target', 'emergency']);
    expect(result.config!.budget).toEqual({ maxWorkers: 100, maxMemoryGb: 16, maxCpu: 32 });
  });

  it('imports seed 002 default schedules as schedule windows in the configured time zone', () => {
    // Prepare
    const text = `${ELIXIR}
  scheduled_scaling: %{
    enabled: true,
    timezone: "Europe/Madrid",
    default_schedules: [:business_hours, :weekend_schedule]
  },
`;
    // Act
    const result = parseConfigText(text);
    // Assess
    const schedule = result.config!.pools[0]!.rules[0]!;
    expect(schedule).toMatchObject({
      type: 'schedule',
      windows: [
        { name: 'business_hours', cron: '0 8 * * 1-5', duration: 36_000_000, timezone: 'Europe/Madrid', min: 8 },
        { name: 'weekend', cron: '0 22 * * 5', duration: 208_800_000, timezone: 'Europe/Madrid', max: 2 },
      ],
    });
    expect(result.problems).toContainEqual(expect.objectContaining({ path: 'scheduled_scaling', severity: 'warning' }));
  });

  it('reports an unknown seed 002 default schedule', () => {
    // Act
    const result = parseConfigText('scaling_policies: {general: conservative}\nscheduled_scaling: {default_schedules: [lunch_rush]}\n');
    // Assess
    expect(result.problems).toContainEqual(expect.objectContaining({ path: 'scheduled_scaling.default_schedules[0]', severity: 'error', value: 'lunch_rush' }));
  });

  it('reads seed 002 pools with their own bounds and reports unknown templates', () => {
    // Act
    const result = parseConfigText('scaling_policies:\n  general: {template: conservative, min: 2, max: 4}\n  odd: turbo\n');
    // Assess
    expect(result.problems).toContainEqual(expect.objectContaining({ path: 'scaling_policies.odd', severity: 'error', value: 'turbo' }));
    expect(result.raw).toMatchObject({ pools: [{ id: 'general', min: 2, max: 4 }] });
  });

  it('ignores a byte-order mark', () => {
    expect(parseConfigText('\uFEFFMIN_FREE_BOTS=2\nMAX_TOTAL_BOTS=20\nSCALE_BATCH=2\nCHECK_INTERVAL=60\n').format).toBe('seed000-env');
  });

  it('lets --format override detection', () => {
    // Prepare: an env file with only MAX_WORKERS is ambiguous on its own.
    const text = 'MAX_WORKERS=3\nMIN_WORKERS=1\n';
    // Act
    const detected = parseConfigText(text);
    const forced = parseConfigText(text, { format: 'seed001-env' });
    // Assess
    expect(detected.format).toBe('unknown');
    expect(forced.config!.pools[0]).toMatchObject({ id: 'celery', min: 1, max: 3 });
  });

  it('reads a native config and reports every problem in it', () => {
    // Act
    const result = parseConfigText('pools:\n  - id: a\n    target: {kind: none}\n    min: 5\n    max: 2\n    interval: soon\n');
    // Assess
    expect(result.format).toBe('poolscale');
    expect(result.problems.filter((p) => p.severity === 'error').map((p) => p.path).sort()).toEqual(['pools[0].interval', 'pools[0].min']);
  });

  it.each(['000-bots.env', '001-celery.env', '001-celery.dev.env', '002-templates.yaml', '003-projects.json', '004-autoscaler.json'])(
    'round-trips %s: the YAML written re-parses to the same config',
    (file) => {
      // Prepare
      const first = parseConfigText(example(file)).config!;
      // Act
      const yaml = toYaml(first, 'header');
      const again = parseConfigText(yaml);
      const json = parseConfigText(JSON.stringify(toNativeConfig(first)));
      // Assess
      expect(again.format).toBe('poolscale');
      expect(again.config).toEqual(first);
      expect(json.config).toEqual(first);
    },
  );

  it('writes durations back as readable strings', () => {
    // Act
    const yaml = parseYaml(toYaml(parseConfigText(example('003-projects.json')).config!)) as { pools: Record<string, unknown>[] };
    // Assess
    expect(yaml.pools[0]).toMatchObject({ interval: '2m', behaviour: { cooldownUp: '0s' } });
  });
});

describe('Function: loadConfigFile', () => {
  it('reads a file and detects its format', async () => {
    // Act
    const result = await loadConfigFile(join(SEEDS, '000-bots.env'));
    // Assess
    expect(result.format).toBe('seed000-env');
    expect(result.config?.pools[0]?.id).toBe('bot-pool');
  });

  it('accepts a short format alias', async () => {
    // Act
    const result = await loadConfigFile(join(SEEDS, '004-autoscaler.json'), { format: '004' });
    // Assess
    expect(result.format).toBe('seed004-json');
  });

  it.each([
    { case: 'missing file', path: join(SEEDS, 'nope.yaml'), options: {}, message: /File not found/ },
    { case: 'unknown format', path: join(SEEDS, '000-bots.env'), options: { format: 'toml' }, message: /Unknown format "toml"/ },
  ])('reports a $case as a problem', async ({ path, options, message }) => {
    // Act
    const result = await loadConfigFile(path, options);
    // Assess
    expect(result.config).toBeUndefined();
    expect(result.problems).toEqual([expect.objectContaining({ path: '(file)', severity: 'error', message: expect.stringMatching(message) })]);
  });
});
