/**
 * The dashboard's human numbers are shared/domain/humanFormat.ts's own `humanDuration` and
 * `humanNumber`, carried into the page script as their compiled source text
 * (shared/dashboard/page.ts). That text only works if it names nothing the page lacks: these
 * tests run the helpers with nothing else defined (a fresh V8 context: no module scope, no
 * Node globals, no esbuild `__name`), as each way of running poolscale compiles them: vitest,
 * tsx (a clone's CLI: `keepNames`), the package's esbuild bundle (dist/esm), a bundle whose other
 * modules clash with their names (esbuild renames them) and a minified one (the Lambda bundles).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { runInNewContext } from 'node:vm';
import { build, type BuildOptions } from 'esbuild';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_HELPERS } from '../../shared/dashboard/page';
import { type DurationRounding, humanDuration, humanNumber } from '../../shared/domain/humanFormat';

const exec = promisify(execFile);
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE = join(ROOT, 'shared/dashboard/page.ts');

interface PageHelpers {
  humanDuration(ms: number, rounding?: DurationRounding): string;
  humanNumber(x: number): string;
  humanText(text: string): string;
  axisNumber(value: number): string;
  valueAxes(workerMax: number, otherMax: number): { workerTicks: number[]; otherTicks: number[] };
  timeTicks(t0: number, t1: number, width: number, minGap: number): { step: number; ticks: number[] };
  timeLabel(t: number, step: number): string;
  seriesColour(name: string): string;
  classifyMetrics(names: string[], policy?: unknown): { workers: string[]; others: string[] };
}

/** The helper script evaluated in a context of its own: only the JavaScript built-ins are defined. */
function inFreshContext(helpers: string): PageHelpers {
  return runInNewContext(
    `'use strict';\n${helpers}\n({ humanDuration, humanNumber, humanText, axisNumber, valueAxes, timeTicks, timeLabel, seriesColour, classifyMetrics });`,
    Object.create(null) as object,
  ) as PageHelpers;
}

/** Durations down every branch of humanDuration, each rounding: NaN, negative, infinite, 0, ms, tenths, s, m, h, d. */
const DURATIONS = [NaN, -1_500, -59_967, -Infinity, Infinity, 0, 0.3, 40, 99.4, 400, 999, 59_967, 90_000, 3_599_700, 7_500_000, 86_400_000, 97_200_000];
/** Numbers down every branch of humanNumber: NaN, infinities, integers, large, fractions (trailing zeros), rounding to 0. */
const NUMBERS = [NaN, Infinity, -Infinity, 0, -0, 12, 1_500_000, 1e21, 1234.5, 99.96, 0.7430894308943089, 12.345, 0.5, 9.996, -0.004567, 0.0000001, -0.0000001];
const ROUNDINGS: DurationRounding[] = ['nearest', 'down', 'up'];

/** The page's functions give the module's text down every branch, and the other helpers (which call them) run. */
function expectSameAsModule(page: PageHelpers): void {
  for (const ms of DURATIONS) {
    expect(page.humanDuration(ms), `humanDuration(${ms})`).toBe(humanDuration(ms));
    for (const rounding of ROUNDINGS) expect(page.humanDuration(ms, rounding), `humanDuration(${ms}, ${rounding})`).toBe(humanDuration(ms, rounding));
  }
  for (const x of NUMBERS) expect(page.humanNumber(x), `humanNumber(${x})`).toBe(humanNumber(x));
  fc.assert(fc.property(fc.double({ min: -4e10, max: 4e10, noNaN: true }), fc.constantFrom(...ROUNDINGS), (ms, r) => page.humanDuration(ms, r) === humanDuration(ms, r)));
  fc.assert(fc.property(fc.double({ noNaN: true }), (x) => page.humanNumber(x) === humanNumber(x)));
  expect(page.humanText('wants 5 for 59967ms more; utilization 0.7430894308943089')).toBe('wants 5 for 1m more; utilization 0.743');
  expect(page.axisNumber(15_000)).toBe('15k');
  expect(page.valueAxes(8, 136).otherTicks).toEqual([0, 50, 100, 150, 200]);
  const t0 = Date.UTC(2024, 0, 1, 10);
  expect(page.timeTicks(t0, t0 + 3_600_000, 1000, 60).ticks.length).toBeGreaterThan(1);
  expect(page.timeLabel(t0, 60_000)).toMatch(/^\d\d:\d\d$|^[A-Z][a-z]{2} \d+$/);
  expect(page.seriesColour('desired')).toBe('#1f6feb');
  expect(page.classifyMetrics(['queue_length', 'busy']).workers).toEqual(['busy']);
}

describe('Module: dashboard page helpers (humanFormat source text in the page)', () => {
  it('runs with nothing else defined, and gives the same text as shared/domain/humanFormat.ts', () => {
    expectSameAsModule(inFreshContext(DASHBOARD_HELPERS));
  });

  it('fails here when a helper names something the page lacks (the check above can fail)', () => {
    const broken = DASHBOARD_HELPERS.replace(/(const humanNumber = \(function \w*\(\w+\)\s*\{)/, '$1 if (Number.isNaN(arguments[0])) return UNKNOWN_NUMBER;');
    expect(broken).not.toBe(DASHBOARD_HELPERS);
    expect(() => expectSameAsModule(inFreshContext(broken))).toThrow(/UNKNOWN_NUMBER is not defined/);
  });

  describe('Method: DASHBOARD_HELPERS as each build compiles shared/dashboard/page.ts', () => {
    let dir = '';
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'poolscale-dashboard-helpers-'));
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** DASHBOARD_HELPERS as a plain Node process imports it from `url` (no vitest transform in between). */
    async function helpersOf(url: string, nodeArgs: string[] = []): Promise<string> {
      const script = `const m = await import(${JSON.stringify(url)}); process.stdout.write(m.DASHBOARD_HELPERS);`;
      const { stdout } = await exec(process.execPath, [...nodeArgs, '--input-type=module', '-e', script], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
      return stdout;
    }

    /** The helpers of an esbuild bundle of page.ts (with scripts/build.ts's settings, then `options`), from `contents` as the entry. */
    async function bundled(name: string, options: BuildOptions, contents = `export { DASHBOARD_HELPERS } from ${JSON.stringify(PAGE)};`): Promise<string> {
      const outfile = join(dir, `${name}.mjs`);
      await build({
        stdin: { contents, resolveDir: ROOT, loader: 'ts', sourcefile: `${name}.ts` },
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node20.19',
        logLevel: 'silent',
        ...options,
      });
      return helpersOf(pathToFileURL(outfile).href);
    }

    it('from the sources through tsx (keepNames, as a clone runs the CLI)', async () => {
      const helpers = await helpersOf(pathToFileURL(PAGE).href, ['--import', 'tsx']);
      expect(helpers).toContain('const humanNumber = (function humanNumber(');
      expectSameAsModule(inFreshContext(helpers));
    });

    it('from an esbuild bundle as dist/esm is built (scripts/build.ts: no minify, no keepNames)', async () => {
      expectSameAsModule(inFreshContext(await bundled('dist', {})));
    });

    it('from a bundle whose other modules use the same names (esbuild renames humanFormat\'s)', async () => {
      // A module bundled before humanFormat, with the same top-level names: humanFormat's get a suffix.
      writeFileSync(
        join(dir, 'clash.ts'),
        `export function humanDuration() { return 'clash'; }\nexport function humanNumber() { return 'clash'; }\nexport const UNKNOWN_NUMBER = 'clash';\n`,
      );
      const entry = `import * as clash from ${JSON.stringify(join(dir, 'clash.ts'))};\nexport { DASHBOARD_HELPERS } from ${JSON.stringify(PAGE)};\nexport const names = clash;\n`;
      const helpers = await bundled('clash', {}, entry);
      expect(helpers).toMatch(/const humanDuration = \(function humanDuration\d+\(/);
      expect(helpers).toMatch(/const humanNumber = \(function humanNumber\d+\(/);
      expectSameAsModule(inFreshContext(helpers));
    });

    it('from a minified bundle with keepNames (as the Lambda bundles minify: infra/bundling)', async () => {
      const helpers = await bundled('minified', { minify: true, keepNames: true, target: 'node24' });
      expect(helpers).not.toContain('function humanNumber(');
      expectSameAsModule(inFreshContext(helpers));
    });
  });
});
