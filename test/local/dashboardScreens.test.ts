/**
 * Issue 13, item 6: the dashboard's chart and layout in Chromium from a phone's width (360 px) to
 * a desktop's (1400 px), on a real local control plane with pools that have three hours of
 * history. Screenshots go to a temporary folder (their paths are logged); the assertions read the
 * page's geometry and the screenshot's pixels.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../shared/domain/policy';
import type { Decision } from '../../shared/domain/types';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { countColourPixels, launchChromium } from '../support/browser';

const TOKEN = 'dashboard-screens-token-0123456789';
const MINUTE = 60_000;
/** Names longer than a phone's width, without a place to break. */
const LONG_POOL = 'celery-default-queue-workers-on-the-shared-build-host-number-2';
const LONG_METRIC = 'celery_default_queue_length_in_messages_waiting_for_a_worker';

/**
 * Two pools whose observations arrive in different orders and mixes: `api` sees busy and
 * queue_length, `batch` sees queue_length, cpu and busy. A colour given by position would differ
 * between them; a colour given by name does not.
 */
const config = ConfigSchema.parse({
  pools: [
    {
      id: 'api',
      target: { kind: 'none' },
      min: 1,
      max: 30,
      interval: '1h',
      metrics: { busy: { source: 'static', value: 5 }, queue_length: { source: 'static', value: 40 } },
      rules: [
        { type: 'buffer', minFree: 3, batch: 2 },
        { type: 'target', metric: 'queue_length', perWorker: 20 },
      ],
    },
    {
      id: 'batch',
      target: { kind: 'none' },
      min: 1,
      max: 30,
      interval: '1h',
      metrics: { queue_length: { source: 'static', value: 12 }, cpu: { source: 'static', value: 55 }, busy: { source: 'static', value: 3 } },
      rules: [
        { type: 'target', metric: 'queue_length', perWorker: 10 },
        { type: 'buffer', minFree: 2, batch: 1 },
      ],
    },
    {
      id: 'fresh',
      target: { kind: 'none' },
      min: 1,
      max: 5,
      interval: '1h',
      metrics: { busy: { source: 'static', value: 1 } },
      rules: [{ type: 'buffer', minFree: 1, batch: 1 }],
    },
    {
      id: LONG_POOL,
      target: { kind: 'none' },
      min: 1,
      max: 5,
      interval: '1h',
      metrics: { [LONG_METRIC]: { source: 'static', value: 7 } },
      rules: [{ type: 'target', metric: LONG_METRIC, perWorker: 5 }],
    },
  ],
});

/** Three hours of decisions every two minutes: busy peaks at 8 and the queue at 136 (the numbers). */
function history(poolId: string, now: number, observe: (busy: number, queue: number, i: number) => Record<string, number>): Decision[] {
  const decisions: Decision[] = [];
  let previous = 4;
  for (let i = 0; i < 90; i++) {
    const busy = Math.round(4 + 4 * Math.sin(i / 9));
    const queue = Math.round(68 + 68 * Math.sin(i / 9 + 1));
    const desired = Math.min(30, busy + 3);
    decisions.push({
      poolId,
      at: now - 3 * 60 * MINUTE + i * 2 * MINUTE,
      current: previous,
      desired,
      action: desired > previous ? 'scale_up' : desired < previous ? 'scale_down' : 'none',
      dryRun: false,
      reasons: [{ code: 'buffer.hold', message: `busy ${busy}, desired ${desired}` }],
      proposals: [],
      observed: observe(busy, queue, i),
      ready: previous,
    });
    previous = desired;
  }
  return decisions;
}

interface Box {
  text: string;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

interface Geometry {
  innerWidth: number;
  scrollWidth: number;
  chart: { left: number; right: number; width: number };
  axisLabels: { axis: string; text: string }[];
  legend: { series: string; colour: string }[];
  drawn: { series: string; axis: string; colour: string; d: string }[];
  texts: Box[];
  timeTicks: Box[];
  workerTicks: (Box & { y: number })[];
  rightTicks: (Box & { y: number })[];
  /** Pause/Resume/Back to auto of every pool. */
  buttons: Box[];
}

/**
 * What the chart shows, read from the page in one go (between two refreshes). Text run in the
 * page: the project's TypeScript has no DOM types.
 */
const GEOMETRY_SCRIPT = String.raw`(() => {
  const box = (element) => {
    const r = element.getBoundingClientRect();
    return { text: element.textContent ?? '', left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  };
  const withY = (element) => ({ ...box(element), y: Number(element.getAttribute('y')) });
  const all = (selector) => [...document.querySelectorAll(selector)];
  const chart = document.getElementById('chart').getBoundingClientRect();
  return {
    innerWidth: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    chart: { left: chart.left, right: chart.right, width: chart.width },
    axisLabels: all('#chart .axis-label').map((e) => ({ axis: e.getAttribute('data-axis') ?? '', text: e.childNodes[0]?.textContent ?? '' })),
    legend: all('#legend .entry[data-series]').map((e) => ({ series: e.getAttribute('data-series') ?? '', colour: e.querySelector('line')?.getAttribute('stroke') ?? '' })),
    drawn: all('#chart path[data-series]').map((e) => ({
      series: e.getAttribute('data-series') ?? '',
      axis: e.getAttribute('data-axis') ?? '',
      colour: e.getAttribute('stroke') ?? '',
      d: e.getAttribute('d') ?? '',
    })),
    texts: all('#chart text').map(box),
    timeTicks: all('#chart .tick-time').map(box),
    workerTicks: all('#chart .tick-workers').map(withY),
    rightTicks: all('#chart .tick-right').map(withY),
    buttons: all('#pools button').map(box),
  };
})()`;

function geometry(page: Page): Promise<Geometry> {
  return page.evaluate<Geometry>(GEOMETRY_SCRIPT);
}

/** The highest value a step path reaches, read back through its axis' tick labels (label value at label y). */
function peakOnAxis(d: string, ticks: (Box & { y: number })[]): number {
  const ys = [...d.matchAll(/M[\d.]+,([\d.]+)|V([\d.]+)/g)].map((m) => Number(m[1] ?? m[2]));
  const bottom = ticks[0]!;
  const top = ticks.at(-1)!;
  const value = (text: string) => Number(text.replace(/k$/, 'e3').replace(/M$/, 'e6'));
  const perPixel = (value(top.text) - value(bottom.text)) / (bottom.y - top.y);
  return value(bottom.text) + (bottom.y - Math.min(...ys)) * perPixel;
}

const overlaps = (a: Box, b: Box) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

describe('Page: dashboard layout and chart (headless Chromium, 360 to 1400 px wide)', () => {
  let plane: ControlPlane;
  let browser: Browser;
  const shots = mkdtempSync(join(tmpdir(), 'poolscale-dashboard-'));
  const peaks = new Map<string, { workers: number; queue: number }>();
  const coloursByPool = new Map<string, Map<string, string>>();

  beforeAll(async () => {
    plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000, token: TOKEN });
    const now = Date.now() - MINUTE;
    const decisions = [
      ...history('api', now, (busy, queue) => ({ busy, queue_length: queue })),
      ...history('batch', now, (busy, queue, i) => ({ queue_length: queue, cpu: 30 + (i % 50), busy })),
      ...history(LONG_POOL, now, (_busy, queue) => ({ [LONG_METRIC]: queue })),
    ];
    for (const decision of decisions) await plane.deps.log.append(decision);
    // What the page will draw: every decision of each pool's history (with the start-up tick's).
    for (const id of ['api', 'batch']) {
      const response = await fetch(`${plane.url}/pools/${id}/history?limit=300`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const { decisions: stored } = (await response.json()) as { decisions: Decision[] };
      expect(stored.length).toBeGreaterThanOrEqual(90);
      peaks.set(id, {
        workers: Math.max(...stored.flatMap((d) => [d.desired, d.ready ?? 0, d.observed?.busy ?? 0])),
        queue: Math.max(...stored.map((d) => d.observed?.queue_length ?? 0)),
      });
    }
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
  });

  it.each([
    { case: 'phone', width: 360, height: 740, pool: 'api' },
    { case: 'phone', width: 360, height: 740, pool: 'batch' },
    { case: 'small phone', width: 420, height: 800, pool: 'api' },
    { case: 'tablet', width: 768, height: 1024, pool: 'batch' },
    { case: 'desktop', width: 1400, height: 900, pool: 'api' },
    { case: 'desktop', width: 1400, height: 900, pool: 'batch' },
  ])('$case ($width px), pool $pool: no horizontal scroll, labelled axes, legend = drawn series, ticks apart', { timeout: 90_000 }, async ({ width, height, pool }) => {
    // Prepare
    const context = await browser.newContext({ viewport: { width, height }, timezoneId: 'UTC' });
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) refused.push(message.text());
    });

    // Act: open the dashboard and select the pool.
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);
    await page.locator(`tr[data-pool="${pool}"] td`).first().click();
    await expect.poll(() => page.locator('#detail-title').textContent(), { timeout: 15_000 }).toBe(`Pool ${pool}`);
    await expect.poll(() => page.locator('#chart path[data-series="busy"]').count(), { timeout: 15_000 }).toBe(1);
    const file = join(shots, `dashboard-${width}-${pool}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`dashboard screenshot (${width} px, ${pool}): ${file}`);
    const g = await geometry(page);

    // Assess: nothing wider than the viewport; the chart spans most of it.
    expect(g.scrollWidth).toBeLessThanOrEqual(g.innerWidth);
    expect(g.chart.left).toBeGreaterThanOrEqual(0);
    expect(g.chart.right).toBeLessThanOrEqual(g.innerWidth);
    expect(g.chart.width).toBeGreaterThan(Math.min(g.innerWidth, 1200) * 0.8);
    expect(g.buttons.length).toBeGreaterThanOrEqual(2);
    for (const button of g.buttons) expect(button.right, `${button.text} button in view`).toBeLessThanOrEqual(g.innerWidth);

    // Assess: a worker axis, a queue axis (labelled, coloured as its series), one time axis label.
    expect(g.axisLabels).toEqual([
      { axis: 'workers', text: 'workers' },
      { axis: 'right', text: 'queue_length' },
      { axis: 'time', text: 'local time' },
    ]);
    expect(g.drawn.map(({ series, axis }) => [series, axis]).sort()).toEqual([
      ['busy', 'workers'],
      ['desired', 'workers'],
      ['queue_length', 'right'],
      ['ready', 'workers'],
    ]);

    // Assess: the legend lists exactly the drawn series, in their colours.
    expect(g.legend.map((e) => e.series).sort()).toEqual(g.drawn.map((e) => e.series).sort());
    for (const entry of g.legend) expect(entry.colour).toBe(g.drawn.find((d) => d.series === entry.series)!.colour);
    coloursByPool.set(`${pool}@${width}`, new Map(g.drawn.map((d) => [d.series, d.colour])));

    // Assess: busy is read on the worker axis (peak 8 is not stretched to the top like the queue), the queue on its own.
    const peak = peaks.get(pool)!;
    const busyPath = g.drawn.find((d) => d.series === 'busy')!.d;
    const queuePath = g.drawn.find((d) => d.series === 'queue_length')!.d;
    const workerTop = Number(g.workerTicks.at(-1)!.text);
    expect(workerTop).toBeGreaterThanOrEqual(peak.workers);
    expect(Math.abs(peakOnAxis(busyPath, g.workerTicks) - 8)).toBeLessThan(workerTop / 40);
    expect(Math.abs(peakOnAxis(queuePath, g.rightTicks) - peak.queue)).toBeLessThan(peak.queue / 40);
    expect(g.rightTicks.map((t) => t.y)).toEqual(g.workerTicks.map((t) => t.y));

    // Assess: time ticks at round times (HH:MM, or a date at midnight), in order, and no two labels of the chart overlap.
    expect(g.timeTicks.length).toBeGreaterThanOrEqual(2);
    for (const tick of g.timeTicks) expect(tick.text).toMatch(/^(\d\d:\d\d|[A-Z][a-z]{2} \d{1,2})$/);
    for (let i = 1; i < g.timeTicks.length; i++) expect(g.timeTicks[i]!.left).toBeGreaterThan(g.timeTicks[i - 1]!.right);
    for (let i = 0; i < g.texts.length; i++) {
      for (let j = i + 1; j < g.texts.length; j++) {
        expect(overlaps(g.texts[i]!, g.texts[j]!), `"${g.texts[i]!.text}" overlaps "${g.texts[j]!.text}"`).toBe(false);
      }
      // Drawn at the box's width, not a wide drawing shrunk: text keeps a readable size.
      expect(g.texts[i]!.bottom - g.texts[i]!.top).toBeGreaterThanOrEqual(11);
      expect(g.texts[i]!.left).toBeGreaterThanOrEqual(g.chart.left - 0.5);
      expect(g.texts[i]!.right).toBeLessThanOrEqual(g.chart.right + 0.5);
    }

    // Assess: the screenshot of the chart has pixels of each series' colour.
    const colours = g.drawn.map((d) => d.colour);
    const found = await countColourPixels(browser, await page.locator('#chart').screenshot(), colours);
    for (const colour of colours) expect(found[colour], `pixels of ${colour}`).toBeGreaterThan(20);
    expect(refused).toEqual([]);
    await context.close();
  });

  it('gives a series the same colour on both pools, whatever the order of their metrics', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);
    const colours: Record<string, string>[] = [];

    // Act: each pool in turn, in the same page.
    for (const pool of ['api', 'batch']) {
      await page.locator(`tr[data-pool="${pool}"] td`).first().click();
      await expect.poll(() => page.locator('#detail-title').textContent(), { timeout: 15_000 }).toBe(`Pool ${pool}`);
      await expect.poll(() => page.locator('#chart path[data-series="busy"]').count(), { timeout: 15_000 }).toBe(1);
      colours.push(Object.fromEntries((await geometry(page)).drawn.map((d) => [d.series, d.colour])));
    }

    // Assess: the same four series, each in one colour on both pools, no two series alike.
    expect(Object.keys(colours[0]!).sort()).toEqual(['busy', 'desired', 'queue_length', 'ready']);
    expect(colours[1]).toEqual(colours[0]);
    expect(new Set(Object.values(colours[0]!)).size).toBe(4);
    // ... and as recorded at both widths by the table above (when it ran).
    for (const recorded of coloursByPool.values()) expect(Object.fromEntries(recorded)).toEqual(colours[0]);
    await context.close();
  });

  it('reads out the values in force under the pointer', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);
    await page.locator('tr[data-pool="api"] td').first().click();
    await expect.poll(() => page.locator('#chart path[data-series="busy"]').count(), { timeout: 15_000 }).toBe(1);
    const response = await fetch(`${plane.url}/pools/api/history?limit=300`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const decisions = ((await response.json()) as { decisions: Decision[] }).decisions.sort((a, b) => a.at - b.at);
    const g = await geometry(page);
    // The time scale, read back from the tick labels (HH:MM in UTC, centred on their tick).
    const ticks = g.timeTicks.map((t) => {
      const [h, m, sec] = t.text.split(':').map(Number);
      return { x: (t.left + t.right) / 2, ms: ((h! * 60 + m!) * 60 + (sec ?? 0)) * 1_000 };
    });
    for (let i = 1; i < ticks.length; i++) if (ticks[i]!.ms < ticks[i - 1]!.ms) ticks[i]!.ms += 86_400_000; // past midnight
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    const [t0, t1] = [ticks[0]!, ticks.at(-1)!];
    const dayStart = Math.floor(decisions[0]!.at / 86_400_000) * 86_400_000;
    const xOf = (at: number) => t0.x + ((at - dayStart - t0.ms) * (t1.x - t0.x)) / (t1.ms - t0.ms);
    // A decision of the seeded history in the middle of the chart, and the pointer halfway to the
    // next one (a minute either side): that decision is in force there, whenever the test runs.
    const middle = Math.floor(decisions.length / 2);
    const inForce = decisions[middle]!;
    const x = (xOf(inForce.at) + xOf(decisions[middle + 1]!.at)) / 2;

    // Act: the pointer there, mid-height
    await page.mouse.move(x, (g.workerTicks[0]!.top + g.workerTicks.at(-1)!.bottom) / 2);

    // Assess
    const at = new Date(inForce.at).toISOString().slice(11, 19);
    await expect
      .poll(() => page.locator('#readout').textContent(), { timeout: 15_000 })
      .toBe(`${at} desired ${inForce.desired} · ready ${inForce.ready} · busy ${inForce.observed!.busy} · queue_length ${inForce.observed!.queue_length}`);
    expect(await page.locator('#chart #cursor').count()).toBe(1);
    await context.close();
  });

  it('keeps a pool and a metric with very long names inside a 360 px screen', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);

    // Act
    await page.locator(`tr[data-pool="${LONG_POOL}"] td`).first().click();

    // Assess: no sideways scroll; the right axis label is cut to fit and names the whole metric in its tooltip.
    await expect.poll(() => page.locator(`#chart path[data-series="${LONG_METRIC}"]`).count(), { timeout: 15_000 }).toBe(1);
    const file = join(shots, 'dashboard-360-long-names.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`dashboard screenshot (360 px, long names): ${file}`);
    const g = await geometry(page);
    expect(g.scrollWidth).toBeLessThanOrEqual(g.innerWidth);
    const label = g.axisLabels.find((l) => l.axis === 'right')!.text;
    expect(label.endsWith('…')).toBe(true);
    expect(LONG_METRIC.startsWith(label.slice(0, -1))).toBe(true);
    expect(await page.locator('#chart .axis-label[data-axis="right"] title').textContent()).toBe(`${LONG_METRIC} (right axis)`);
    for (let i = 0; i < g.texts.length; i++) {
      for (let j = i + 1; j < g.texts.length; j++) expect(overlaps(g.texts[i]!, g.texts[j]!), `"${g.texts[i]!.text}" overlaps "${g.texts[j]!.text}"`).toBe(false);
    }
    for (const button of g.buttons) expect(button.right).toBeLessThanOrEqual(g.innerWidth);
    await context.close();
  });

  it('draws no chart and no legend for a pool without history yet', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);

    // Act
    await page.locator('tr[data-pool="fresh"] td').first().click();

    // Assess
    await expect.poll(() => page.locator('#detail-title').textContent(), { timeout: 15_000 }).toBe('Pool fresh');
    await expect.poll(() => page.locator('#chart').textContent(), { timeout: 15_000 }).toBe('waiting for decisions…');
    const g = await geometry(page);
    expect(g.drawn).toEqual([]);
    expect(g.legend).toEqual([]);
    expect(await page.locator('#legend').textContent()).toBe('');
    expect(g.scrollWidth).toBeLessThanOrEqual(g.innerWidth);
    await context.close();
  });

  it('puts another metric on the second axis when chosen, and the legend follows', async () => {
    // Prepare
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, timezoneId: 'UTC' });
    const page = await context.newPage();
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);
    await page.locator('tr[data-pool="batch"] td').first().click();
    await expect.poll(() => page.locator('#right-metric option').allTextContents(), { timeout: 15_000 }).toEqual(['queue_length', 'cpu']);

    // Act
    await page.selectOption('#right-metric', 'cpu');

    // Assess: cpu on the right (its label, its path), queue_length no longer drawn, and it stays so across refreshes.
    await expect.poll(() => page.locator('#chart .axis-label[data-axis="right"]').evaluate((e) => e.childNodes[0]?.textContent), { timeout: 15_000 }).toBe('cpu');
    const updated = await page.locator('#updated').textContent();
    await expect.poll(() => page.locator('#updated').textContent(), { timeout: 15_000 }).not.toBe(updated);
    const g = await geometry(page);
    expect(g.axisLabels.find((l) => l.axis === 'right')?.text).toBe('cpu');
    expect(g.drawn.map((d) => d.series).sort()).toEqual(['busy', 'cpu', 'desired', 'ready']);
    expect(g.legend.map((e) => e.series).sort()).toEqual(['busy', 'cpu', 'desired', 'ready']);
    expect(g.scrollWidth).toBeLessThanOrEqual(g.innerWidth);
    await context.close();
  });
});
