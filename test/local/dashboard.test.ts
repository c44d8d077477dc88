import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_HELPERS } from '../../shared/dashboard/page';
import { humanDuration, humanNumber } from '../../shared/domain/humanFormat';
import type { Decision } from '../../shared/domain/types';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { botsConfig } from '../support/botsConfig';
import { launchChromium } from '../support/browser';

const TOKEN = 'dashboard-test-token-0123456789';

const config = botsConfig({ interval: '1s', behaviour: { cooldownUp: 0 } });

describe('Page: dashboard (headless Chromium)', () => {
  let plane: ControlPlane;
  let browser: Browser;
  beforeAll(async () => {
    plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 200, token: TOKEN });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
  });

  it('lists pools with the last decision, scales manually, pauses, resumes, and warns before ending the override', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 1240, height: 800 } });
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);
    const row = page.locator('tr[data-pool="bots"]');

    // Assess the listing: the first tick scaled 2 -> 7; the latest decision says why it holds.
    await expect.poll(async () => row.locator('.desired').textContent(), { timeout: 15_000 }).toBe('7');
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).toContain('minFree 3');
    await expect.poll(async () => page.locator('#chart path[data-series="desired"]').count(), { timeout: 15_000 }).toBe(1);

    // Act: manual scale through the form.
    await page.fill('#scale-desired', '12');
    await page.fill('#scale-reason', 'dashboard test');
    await page.click('#scale-submit');
    await expect.poll(async () => row.locator('.desired').textContent(), { timeout: 15_000 }).toBe('12');

    // Act: pause, then the badge shows it.
    await row.locator('button[data-act="pause"]').click();
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).toContain('paused');

    // Act: resume: the manual override stays in force, no question asked, and the page says so.
    expect(await row.locator('button[data-act="resume"]').getAttribute('title')).toBe('Resumes evaluations; the manual override (desired 12, "dashboard test") stays in force (Back to auto ends it)');
    await row.locator('button[data-act="resume"]').click();
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).not.toContain('paused');
    expect(await row.textContent()).toContain('manual 12');
    expect(await page.locator('#message').textContent()).toBe('Resumed "bots": the manual override (desired 12, "dashboard test") is still in force; Back to auto ends it.');
    expect(await page.locator('#override').textContent()).toBe('Manual override (desired 12, "dashboard test"): in force until Back to auto');

    // Act: back to auto, declining the warning first: nothing changes.
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await row.locator('button[data-act="auto"]').click();
    await expect.poll(() => dialogs.length, { timeout: 15_000 }).toBe(1);
    expect(dialogs[0]).toContain('ends the manual override (desired 12, "dashboard test")');
    const manual = async () =>
      ((await (await fetch(`${plane.url}/pools/bots`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { state?: { manual?: unknown } }).state?.manual;
    expect(await manual()).toBeDefined();

    // Act: back to auto, accepting.
    page.once('dialog', (dialog) => void dialog.accept());
    await row.locator('button[data-act="auto"]').click();
    await expect.poll(manual, { timeout: 15_000 }).toBeUndefined();
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).not.toContain('manual 12');

    // Act: a refused request shows the API's field message.
    await page.fill('#scale-desired', '99');
    await page.click('#scale-submit');
    await expect.poll(async () => page.locator('#message').textContent(), { timeout: 15_000 }).toContain('desired');

    // Assess: the page ran under its CSP without a single refusal.
    expect(violations).toEqual([]);
    const file = join(mkdtempSync(join(tmpdir(), 'poolscale-dashboard-')), 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`dashboard screenshot: ${file}`);
    await page.close();
  });

  it("shows the last decision's metric errors, escaped, and its reasons with human durations", async () => {
    // Prepare: a decision whose metric failed, with markup in its message, and a reason written before reasons were human.
    const last = (await plane.deps.log.list('bots', { limit: 1 }))[0]!;
    const failed: Decision = {
      ...last,
      at: Date.now() + 60_000,
      reasons: [{ code: 'stabilization.hold', message: 'hold at 7: stabilization wants 5 for 59967ms more, utilization 0.7430894308943089' }],
      metricErrors: [{ metric: 'queue_length', source: 'redis', errorClass: 'ECONNREFUSED', message: 'connect ECONNREFUSED <img src=x onerror=alert(1)>' }],
    };
    delete failed.id;
    await plane.deps.log.append(failed);
    const page = await browser.newPage();

    // Act
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);

    // Assess
    const errors = page.locator('#metric-errors');
    await expect.poll(async () => errors.textContent(), { timeout: 15_000 }).toContain('queue_length (redis, ECONNREFUSED): connect ECONNREFUSED <img src=x onerror=alert(1)>');
    expect(await errors.locator('img').count()).toBe(0);
    expect(await page.locator('#reasons').textContent()).toBe('hold at 7: stabilization wants 5 for 1m more, utilization 0.743 (stabilization.hold)');
    await expect.poll(async () => page.locator('tr[data-pool="bots"]').textContent(), { timeout: 15_000 }).toContain('1 metric error(s)');
    await page.close();
  });

  it('has a favicon: an SVG in the page itself, and /favicon.ico answers without an error', async () => {
    // Prepare
    const page = await browser.newPage();
    const failed: string[] = [];
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.status()} ${response.url()}`);
    });

    // Act
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);
    const icon = await page.evaluate<{ type: string; width: number; height: number }>(`(async () => {
      const link = document.querySelector('link[rel="icon"]');
      const image = new Image();
      image.src = link.href;
      await image.decode();
      return { type: link.type, width: image.naturalWidth, height: image.naturalHeight };
    })()`);

    // Assess: the icon decodes under the page's CSP, and nothing the page asked for failed.
    expect(icon).toEqual({ type: 'image/svg+xml', width: 16, height: 16 });
    await expect.poll(() => page.locator('tr[data-pool="bots"]').count(), { timeout: 15_000 }).toBe(1);
    expect(failed).toEqual([]);
    expect((await fetch(`${plane.url}/favicon.ico`)).status).toBe(204);
    await page.close();
  });

  it.each([
    { path: '/dashboard', type: 'text/html' },
    { path: '/dashboard/app.js', type: 'text/javascript' },
    { path: '/dashboard/app.css', type: 'text/css' },
  ])('$path is served without the token, with a CSP that allows no inline script and no framing', async ({ path, type }) => {
    const response = await fetch(`${plane.url}${path}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain(type);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    if (path === '/dashboard') {
      const html = await response.text();
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\sstyle=|\son[a-z]+=/);
    }
  });
});

/** The page script's pure helpers, evaluated as the browser runs them (plain JavaScript text). */
interface Helpers {
  humanDuration(ms: number): string;
  humanNumber(x: number): string;
  humanText(text: string): string;
  axisNumber(value: number): string;
  niceStep(raw: number, whole: boolean): number;
  valueAxes(workerMax: number, otherMax: number): { intervals: number; workerTop: number; otherTop: number; workerTicks: number[]; otherTicks: number[] };
  timeTicks(t0: number, t1: number, width: number, minGap: number): { step: number; ticks: number[] };
  timeLabel(t: number, step: number): string;
  seriesColour(name: string): string;
  classifyMetrics(names: string[], policy?: unknown): { workers: string[]; others: string[] };
}
const helpers = new Function(
  `${DASHBOARD_HELPERS}\nreturn { humanDuration, humanNumber, humanText, axisNumber, niceStep, valueAxes, timeTicks, timeLabel, seriesColour, classifyMetrics };`,
)() as Helpers;

describe('Module: dashboard page helpers', () => {
  // The page's humanDuration / humanNumber are humanFormat's own source text (shared/dashboard/page.ts),
  // so these hold by construction; they stay as a guard. test/local/dashboardHelpers.test.ts runs
  // that text with nothing else defined, as tsx and each esbuild bundle compile it.
  describe('Method: humanDuration / humanNumber (same text as shared/domain/humanFormat.ts)', () => {
    it.each([0, 0.3, -0.3, 40, 99.4, 400, 999, 59_967, 90_000, 3_599_700, 7_500_000, 86_400_000, 97_200_000, -1_500, Infinity, NaN])('humanDuration(%s)', (ms) => {
      expect(helpers.humanDuration(ms)).toBe(humanDuration(ms));
    });
    it.each([0, -0, 12, 1_500_000, 0.7430894308943089, 12.345, 99.96, 1234.5, 0.0000001, -0.004567, 1e21, Infinity, -Infinity, NaN])('humanNumber(%s)', (x) => {
      expect(helpers.humanNumber(x)).toBe(humanNumber(x));
    });
    it('agrees with humanFormat for any duration and number', () => {
      fc.assert(fc.property(fc.double({ min: -4e10, max: 4e10, noNaN: true }), (ms) => helpers.humanDuration(ms) === humanDuration(ms)));
      fc.assert(fc.property(fc.double({ noNaN: true }), (x) => helpers.humanNumber(x) === humanNumber(x)));
    });
  });

  describe('Method: humanText (reasons recorded before the engine wrote human numbers)', () => {
    it.each([
      { text: 'stabilization wants 5 for 59967ms more', shown: 'stabilization wants 5 for 1m more' },
      { text: 'utilization 0.7430894308943089 <= 0.97', shown: 'utilization 0.743 <= 0.97' },
      { text: 'learnt 0ms of 1d history', shown: 'learnt 0s of 1d history' },
      { text: 'hold for 3m 20s more; utilization 0.743', shown: 'hold for 3m 20s more; utilization 0.743' },
      { text: 'queue_length 40 / 20 per worker -> 2', shown: 'queue_length 40 / 20 per worker -> 2' },
    ])('$text -> $shown', ({ text, shown }) => {
      expect(helpers.humanText(text)).toBe(shown);
    });
  });

  describe('Method: valueAxes', () => {
    it.each([
      { workerMax: 8, otherMax: 136, workerTicks: [0, 2, 4, 6, 8], otherTicks: [0, 50, 100, 150, 200] },
      { workerMax: 11, otherMax: 136, workerTicks: [0, 5, 10, 15], otherTicks: [0, 50, 100, 150] },
      { workerMax: 0, otherMax: 0, workerTicks: [0, 1], otherTicks: [0, 1] },
      { workerMax: 3, otherMax: 0.74, workerTicks: [0, 1, 2, 3], otherTicks: [0, 0.25, 0.5, 0.75] },
    ])('workers up to $workerMax, other up to $otherMax', ({ workerMax, otherMax, workerTicks, otherTicks }) => {
      const axes = helpers.valueAxes(workerMax, otherMax);
      expect(axes.workerTicks).toEqual(workerTicks);
      expect(axes.otherTicks).toEqual(otherTicks);
    });

    it('covers both maxima with whole worker steps, at most twice the range, over the same grid lines', () => {
      fc.assert(
        fc.property(fc.double({ min: 0, max: 1e5, noNaN: true }), fc.double({ min: 0, max: 1e9, noNaN: true }), (workerMax, otherMax) => {
          const axes = helpers.valueAxes(workerMax, otherMax);
          const workerStep = axes.workerTicks[1]!;
          expect(axes.intervals).toBeGreaterThanOrEqual(1);
          expect(axes.intervals).toBeLessThanOrEqual(4);
          expect(axes.workerTicks).toHaveLength(axes.intervals + 1);
          expect(axes.otherTicks).toHaveLength(axes.intervals + 1);
          expect(Number.isInteger(workerStep)).toBe(true);
          expect(axes.workerTop).toBeGreaterThanOrEqual(workerMax);
          expect(axes.workerTop - Math.max(1, workerMax)).toBeLessThan(workerStep);
          expect(axes.otherTop).toBeGreaterThanOrEqual(otherMax * (1 - 1e-9));
          if (otherMax >= 1e-6) expect(axes.otherTop).toBeLessThanOrEqual(2 * otherMax * (1 + 1e-9));
          for (const tick of [...axes.workerTicks, ...axes.otherTicks]) expect(helpers.axisNumber(tick)).not.toMatch(/e|NaN|undefined/);
        }),
      );
    });
  });

  describe('Method: timeTicks / timeLabel', () => {
    it.each([
      { case: '3 h on a phone', from: [8, 31], to: [11, 32], width: 232, labels: ['09:00', '10:00', '11:00'] },
      { case: '3 h on a desktop', from: [8, 31], to: [11, 32], width: 1100, labels: ['08:40', '08:50', '09:00', '09:10', '09:20', '09:30', '09:40', '09:50', '10:00', '10:10', '10:20', '10:30', '10:40', '10:50', '11:00', '11:10', '11:20', '11:30'] },
      { case: '2 min', from: [10, 0, 5], to: [10, 2, 5], width: 300, labels: ['10:00:30', '10:01:00', '10:01:30', '10:02:00'] },
    ])('$case: $labels', ({ from, to, width, labels }) => {
      const local = ([h, m, s = 0]: number[]) => new Date(2026, 10, 27, h, m, s).getTime();
      const { step, ticks } = helpers.timeTicks(local(from), local(to), width, 60);
      expect(ticks.map((t) => helpers.timeLabel(t, step))).toEqual(labels);
    });

    it('gives increasing ticks inside the range, at least 60 px apart', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1_600_000_000_000, max: 1_900_000_000_000 }),
          fc.integer({ min: 1_000, max: 60 * 86_400_000 }),
          fc.integer({ min: 200, max: 1400 }),
          (t0, span, width) => {
            const { step, ticks } = helpers.timeTicks(t0, t0 + span, width, 60);
            expect((width * step) / span).toBeGreaterThanOrEqual(60);
            for (let i = 0; i < ticks.length; i++) {
              expect(ticks[i]).toBeGreaterThanOrEqual(t0);
              expect(ticks[i]).toBeLessThanOrEqual(t0 + span);
              if (i > 0) expect(ticks[i]! - ticks[i - 1]!).toBe(step);
            }
          },
        ),
      );
    });
  });

  describe('Method: seriesColour', () => {
    it('gives each name one colour, and none but desired and ready their blue and green', () => {
      fc.assert(
        fc.property(fc.string(), (name) => {
          const colour = helpers.seriesColour(name);
          expect(colour).toMatch(/^#[0-9a-f]{6}$/);
          expect(helpers.seriesColour(name)).toBe(colour);
          if (name !== 'desired') expect(colour).not.toBe(helpers.seriesColour('desired'));
          if (name !== 'ready') expect(colour).not.toBe(helpers.seriesColour('ready'));
        }),
      );
    });
  });

  describe('Method: classifyMetrics', () => {
    it.each([
      { case: 'standard names, no policy', names: ['queue_length', 'cpu', 'busy'], policy: undefined, workers: ['busy'], others: ['queue_length', 'cpu'] },
      {
        case: "a buffer rule's busyMetric and a target rule's backlog",
        names: ['cpu', 'running_tasks', 'sqs_visible'],
        policy: { rules: [{ type: 'buffer', busyMetric: 'running_tasks' }, { type: 'target', metric: 'sqs_visible', perWorker: 10 }] },
        workers: ['running_tasks'],
        others: ['sqs_visible', 'cpu'],
      },
      { case: 'a predictive rule learns busy workers', names: ['load', 'utilization'], policy: { rules: [{ type: 'predictive', metric: 'load' }] }, workers: ['load'], others: ['utilization'] },
    ])('$case', ({ names, policy, workers, others }) => {
      expect(helpers.classifyMetrics(names, policy)).toEqual({ workers, others });
    });
  });
});
