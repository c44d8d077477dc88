import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSimulationConfig } from '../../shared/cli/commands/simulate';
import { compare } from '../../shared/sim/compare';
import { renderReport } from '../../shared/sim/report';
import { sweep } from '../../shared/sim/sweep';
import { parseTrace } from '../../shared/sim/trace';

/** Debian's chromium, as in test/local/dashboard.test.ts. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'test-results');

/** Two days of one-minute rows: a daily wave and a flash crowd on the second afternoon. */
const CSV = `t_seconds,arrivals\n${Array.from({ length: 2880 }, (_, i) => `${i * 60},${Math.round(40 + 30 * Math.sin((2 * Math.PI * i) / 1440) + (i >= 2300 && i < 2360 ? 200 : 0))}`).join('\n')}\n`;

describe('Page: simulation report (headless Chromium)', () => {
  let browser: Browser;
  let file: string;
  const dir = mkdtempSync(join(tmpdir(), 'poolscale-report-'));
  beforeAll(async () => {
    const config = await loadSimulationConfig('examples/recommended.yaml');
    const trace = parseTrace(CSV);
    const pool = config.pools[0]!;
    const [comparison, frontier] = [await compare(config, pool, trace, { threads: 0 }), await sweep(pool, trace, { threads: 0 }, [0.6, 0.8])];
    file = join(dir, 'report.html');
    writeFileSync(file, renderReport({ title: 'poolscale simulation: a two-day trace with a rather long title to wrap', trace, comparisons: [comparison], settings: 'settings', sweeps: [frontier] }));
    mkdirSync(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(width: number): Promise<{ page: Page; problems: string[]; requests: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) requests.push(request.url());
    });
    await page.goto(`file://${file}`);
    return { page, problems, requests };
  }

  const windowText = (page: Page) => page.locator('.window output').first().textContent();
  const xTicks = (page: Page) => page.locator('svg.chart text.xtick').allTextContents();

  it.each([1400, 360])('at %i px nothing overflows the page and the chart is drawn at its own width', async (width) => {
    // Act
    const { page, problems, requests } = await open(width);

    // Assess
    const layout = await page.evaluate<{ scrollWidth: number; inner: number; overflowing: string[]; viewBox: string; chartWidth: number }>(`(() => {
      const overflowing = [...document.querySelectorAll('body *')]
        .filter((el) => !el.closest('.scroll') && el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map((el) => el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || ''));
      const chart = document.querySelector('svg.chart');
      return { scrollWidth: document.documentElement.scrollWidth, inner: window.innerWidth, overflowing, viewBox: chart.getAttribute('viewBox'), chartWidth: chart.getBoundingClientRect().width };
    })()`);
    expect(layout.scrollWidth).toBeLessThanOrEqual(layout.inner);
    expect(layout.overflowing).toEqual([]);
    expect(Number(layout.viewBox.split(' ')[2])).toBe(Math.round(layout.chartWidth));
    expect(await page.locator('svg.chart polyline').count()).toBe(8);
    await page.screenshot({ path: join(SCREENSHOTS, `report-${width}.png`), fullPage: false });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  }, 60_000);

  it('the window buttons, the slider and dragging change the visible range; all restores it', async () => {
    // Prepare
    const { page, problems } = await open(1400);
    expect(await windowText(page)).toBe('0s to 2d');
    expect(await page.locator('.window input').isDisabled()).toBe(true);
    const allTicks = await xTicks(page);

    // Act: one day, centred.
    await page.click('.window button[data-span="86400"]');

    // Assess
    expect(await windowText(page)).toBe('12h to 1d 12h');
    expect(await page.locator('.window button[data-span="86400"]').getAttribute('aria-pressed')).toBe('true');
    const dayTicks = await xTicks(page);
    expect(dayTicks).not.toEqual(allTicks);
    expect(dayTicks[0]).toBe('12h');
    expect(dayTicks.at(-1)).toBe('1d 12h');
    expect(await page.locator('.window input').isDisabled()).toBe(false);

    // Act: the slider to its end.
    await page.locator('.window input').fill('1000');

    // Assess
    expect(await windowText(page)).toBe('1d to 2d');

    // Act: one hour, then drag the chart to the right (back in time) by a third of its width.
    await page.click('.window button[data-span="3600"]');
    const before = await windowText(page);
    const box = (await page.locator('svg.chart').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.63, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();

    // Assess: an hour ending at 1d 12h at first (centred on the day's window), ~20 minutes earlier after the drag.
    expect(before).toBe('1d 12h to 1d 13h');
    const after = (await windowText(page))!;
    expect(after).not.toBe(before);
    expect(after).toMatch(/^1d 1[12]h( \d+m)? to 1d 1[23]h( \d+m)?$/);
    // The hour is drawn from every row (60 one-minute rows), not from the 2-day overview's buckets.
    const points = await page.locator('svg.chart polyline[data-series="demand"]').getAttribute('points');
    expect(points!.trim().split(/\s+/).length).toBeGreaterThanOrEqual(60);

    // Act: all.
    await page.click('.window button[data-span="all"]');

    // Assess
    expect(await windowText(page)).toBe('0s to 2d');
    expect(await xTicks(page)).toEqual(allTicks);
    await page.screenshot({ path: join(SCREENSHOTS, 'report-window.png') });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);

  it('at 360 px the window control works and the frontier and metrics stay inside the page', async () => {
    // Prepare
    const { page, problems } = await open(360);

    // Act
    await page.click('.window button[data-span="21600"]');

    // Assess
    expect(await windowText(page)).toBe('21h to 1d 3h');
    for (const selector of ['section.frontier svg', '#metrics dl', '.window']) {
      const box = (await page.locator(selector).first().boundingBox())!;
      expect(box.x + box.width, selector).toBeLessThanOrEqual(360);
    }
    await page.locator('section.frontier').screenshot({ path: join(SCREENSHOTS, 'report-frontier-360.png') });
    expect(problems).toEqual([]);
    await page.close();
  }, 60_000);
});
