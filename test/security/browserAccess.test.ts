/**
 * Issue 11, findings 2 and 3, in a real browser: a page on another origin must not read or
 * change the local API of `poolscale up`.
 *
 * - DNS rebinding: `--host-resolver-rules` maps rebind.test to 127.0.0.1, and the attacker's
 *   page is served AT http://rebind.test:<API port>/ (Playwright fulfils that one document, as
 *   the attacker's server did before the name was rebound), so for the browser its `fetch`es
 *   to the API are same-origin. They reach the API with `Host: rebind.test:<port>`.
 * - CSRF: pages on other loopback origins (127.0.0.1 and localhost on another port) post a form
 *   (no body, the old API accepted it) and `no-cors` fetches to pause and scale.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { botsConfig } from '../support/botsConfig';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'browser-test-token-0123456789abcdef';

describe('Security: the local API from pages on other origins (headless Chromium)', () => {
  let plane: ControlPlane;
  let browser: Browser;
  let attacker: Server;
  let attackerPort: number;
  const authorised = (path: string, init: RequestInit = {}) =>
    fetch(`${plane.url}${path}`, { ...init, headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${TOKEN}` } });
  const pool = async () => (await (await authorised('/pools/bots')).json()) as { state?: { paused?: unknown; manual?: unknown } };

  beforeAll(async () => {
    plane = await startControlPlane({ config: botsConfig(), port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000, token: TOKEN });
    const victim = plane.url;
    // The attacker's own server on another loopback port: form posts and no-cors fetches.
    attacker = createServer((request, response) => {
      const pages: Record<string, string> = {
        '/form.html': `<!doctype html><form id="f" method="POST" action="${victim}/pools/bots/pause"></form>
          <script>document.getElementById('f').submit()</script>`,
        '/form-scale.html': `<!doctype html><form id="f" method="POST" enctype="text/plain" action="${victim}/pools/bots/scale">
          <input name='{"desired":19,"reason":"csrf","x":"' value='"}'></form><script>document.getElementById('f').submit()</script>`,
        '/fetch.html': `<!doctype html><script>
          window.done = Promise.all([
            fetch('${victim}/pools/bots/pause', { method: 'POST', mode: 'no-cors', body: '' }),
            fetch('${victim}/pools/bots/scale', { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"desired":19,"reason":"csrf"}' }),
            fetch('${victim}/pools/other', { method: 'DELETE', mode: 'no-cors' }).catch(() => 'blocked'),
          ]).then(() => 'sent', (e) => String(e));
        </script>`,
      };
      const page = pages[request.url ?? ''];
      response.writeHead(page ? 200 : 404, { 'content-type': 'text/html' }).end(page ?? '');
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', () => resolve()));
    attackerPort = (attacker.address() as AddressInfo).port;
    // Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--host-resolver-rules=MAP rebind.test 127.0.0.1',
        // Chromium's own Private/Local Network Access checks would block the rebound page before
        // it reaches the API; turned off, as in browsers without them, so the API's checks are tested.
        '--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,LocalNetworkAccessChecks',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await plane?.stop();
    await new Promise((resolve) => attacker?.close(resolve));
  });

  it('a DNS-rebinding page cannot read /pools or scale (403), and nothing changes', async () => {
    // Prepare: the attacker's document at the victim's port under the rebound name.
    const port = new URL(plane.url).port;
    const page = await browser.newPage();
    await page.route(`http://rebind.test:${port}/attack.html`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html><title>attack</title>' }),
    );
    await page.goto(`http://rebind.test:${port}/attack.html`);

    // Act: same-origin for the browser; the API sees Host: rebind.test:<port>.
    const results = await page.evaluate(async () => {
      const read = await fetch('/pools');
      const scale = await fetch('/pools/bots/scale', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ desired: 19, reason: 'rebinding' }) });
      const remove = await fetch('/pools/bots', { method: 'DELETE' });
      return { read: read.status, readBody: await read.text(), scale: scale.status, remove: remove.status };
    });

    // Assess
    expect(results).toMatchObject({ read: 403, scale: 403, remove: 403 });
    expect(results.readBody).not.toContain('"bots"');
    expect((await pool()).state?.manual).toBeUndefined();
    expect((await authorised('/pools/bots')).status).toBe(200);
    await page.close();
  });

  it.each([
    { case: 'a form post without a body from 127.0.0.1 on another port', host: '127.0.0.1', path: '/form.html' },
    { case: 'a form post without a body from localhost on another port', host: 'localhost', path: '/form.html' },
    { case: 'a text/plain form post of JSON from 127.0.0.1 on another port', host: '127.0.0.1', path: '/form-scale.html' },
    { case: 'no-cors fetches from 127.0.0.1 on another port', host: '127.0.0.1', path: '/fetch.html' },
  ])('$case does not pause, scale or delete', async ({ host, path }) => {
    // Prepare
    const page = await browser.newPage();
    const answers: number[] = [];
    page.on('response', (response) => {
      if (response.url().startsWith(plane.url)) answers.push(response.status());
    });

    // Act
    await page.goto(`http://${host}:${attackerPort}${path}`);
    if (path === '/fetch.html') await page.evaluate(() => (globalThis as unknown as { done: Promise<string> }).done);
    else await page.waitForURL(`${plane.url}/**`, { timeout: 15_000 });

    // Assess: the API refused every request, and the pool is neither paused nor scaled.
    await expect.poll(() => answers.length, { timeout: 15_000 }).toBeGreaterThan(0);
    for (const status of answers) expect([401, 403]).toContain(status);
    const after = await pool();
    expect(after.state?.paused).toBeUndefined();
    expect(after.state?.manual).toBeUndefined();
    await page.close();
  });

  it('the dashboard opened with the printed token works, and the token leaves the address bar', async () => {
    // Act
    const page = await browser.newPage();
    await page.goto(`${plane.url}/dashboard#token=${TOKEN}`);

    // Assess
    await expect.poll(() => page.locator('tr[data-pool="bots"]').count(), { timeout: 15_000 }).toBe(1);
    expect(page.url()).toBe(`${plane.url}/dashboard`);
    await page.close();
  });

  it('the dashboard without the token shows how to get in, and reads nothing', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${plane.url}/dashboard`);
    await expect.poll(() => page.locator('#message').textContent(), { timeout: 15_000 }).toContain('poolscale up');
    expect(await page.locator('tr[data-pool]').count()).toBe(0);
    await context.close();
  });
});
