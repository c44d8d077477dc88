import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { botsConfig } from '../support/botsConfig';

/** Debian's chromium (installed by .ci/run when missing); Playwright's own download is not reachable here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'test-results');

const config = botsConfig({ interval: '1s', behaviour: { cooldownUp: 0 } });

describe('Page: dashboard (headless Chromium)', () => {
  let plane: ControlPlane;
  let browser: Browser;
  beforeAll(async () => {
    plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 200 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
  });

  it('lists pools with the last decision, scales manually and pauses from the page', async () => {
    // Prepare
    const page = await browser.newPage({ viewport: { width: 1240, height: 800 } });
    await page.goto(`${plane.url}/dashboard`);
    const row = page.locator('tr[data-pool="bots"]');

    // Assess the listing: the first tick scaled 2 -> 7; the latest decision says why it holds.
    await expect.poll(async () => row.locator('.desired').textContent(), { timeout: 15_000 }).toBe('7');
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).toContain('minFree 3');
    await expect.poll(async () => page.locator('#chart polyline').count(), { timeout: 15_000 }).toBeGreaterThan(0);

    // Act: manual scale through the form.
    await page.fill('#scale-desired', '12');
    await page.fill('#scale-reason', 'dashboard test');
    await page.click('#scale-submit');
    await expect.poll(async () => row.locator('.desired').textContent(), { timeout: 15_000 }).toBe('12');

    // Act: pause, then the badge shows it.
    await row.locator('button[data-act="pause"]').click();
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).toContain('paused');

    // Act: a refused request shows the API's field message.
    await page.fill('#scale-desired', '99');
    await page.click('#scale-submit');
    await expect.poll(async () => page.locator('#message').textContent(), { timeout: 15_000 }).toContain('desired');

    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`dashboard screenshot: ${file}`);
  });
});
