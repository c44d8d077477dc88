import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Decision } from '../../shared/domain/types';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { botsConfig } from '../support/botsConfig';

/** Debian's chromium (installed by .ci/run when missing); Playwright's own download is not reachable here. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = join(process.cwd(), 'test-results');
const TOKEN = 'dashboard-test-token-0123456789';

const config = botsConfig({ interval: '1s', behaviour: { cooldownUp: 0 } });

describe('Page: dashboard (headless Chromium)', () => {
  let plane: ControlPlane;
  let browser: Browser;
  beforeAll(async () => {
    plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 200, token: TOKEN });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
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
    await expect.poll(async () => page.locator('#chart polyline').count(), { timeout: 15_000 }).toBeGreaterThan(0);

    // Act: manual scale through the form.
    await page.fill('#scale-desired', '12');
    await page.fill('#scale-reason', 'dashboard test');
    await page.click('#scale-submit');
    await expect.poll(async () => row.locator('.desired').textContent(), { timeout: 15_000 }).toBe('12');

    // Act: pause, then the badge shows it.
    await row.locator('button[data-act="pause"]').click();
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).toContain('paused');

    // Act: resume: the manual override stays in force, no question asked.
    await row.locator('button[data-act="resume"]').click();
    await expect.poll(async () => row.textContent(), { timeout: 15_000 }).not.toContain('paused');
    expect(await row.textContent()).toContain('manual 12');

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
    mkdirSync(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`dashboard screenshot: ${file}`);
    await page.close();
  });

  it("shows the last decision's metric errors, escaped", async () => {
    // Prepare: a decision whose metric failed, with markup in its message.
    const last = (await plane.deps.log.list('bots', { limit: 1 }))[0]!;
    const failed: Decision = {
      ...last,
      at: Date.now() + 60_000,
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
    await expect.poll(async () => page.locator('tr[data-pool="bots"]').textContent(), { timeout: 15_000 }).toContain('1 metric error(s)');
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
