import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { botsConfig } from '../support/botsConfig';

const config = botsConfig({ interval: '1s', behaviour: { cooldownUp: 0 } });

describe('Function: startControlPlane', () => {
  const planes: ControlPlane[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const plane of planes.splice(0)) await plane.stop();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (dataDir?: string) => {
    const plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 60_000, ...(dataDir ? { dataDir } : {}) });
    planes.push(plane);
    return plane;
  };

  it('serves the API with the same routes as the Lambda and evaluates pools', async () => {
    // Prepare / Act
    const plane = await start();
    const pools = (await (await fetch(`${plane.url}/pools`)).json()) as unknown;

    // Assess: the first tick ran at start (2 busy of 2 -> free 0 < 3 -> +5).
    expect(JSON.stringify(pools)).toContain('"bots"');
    const pool = (await (await fetch(`${plane.url}/pools/bots`)).json()) as { lastDecision?: { desired: number; action: string } };
    expect(pool.lastDecision).toMatchObject({ desired: 7, action: 'scale_up' });
  });

  it('refuses bad input with 400 naming the field, and unknown pools with 404', async () => {
    const plane = await start();
    const bad = await fetch(`${plane.url}/pools/bots/scale`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ desired: 'many' }),
    });
    const missing = await fetch(`${plane.url}/pools/ghost`);

    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('desired');
    expect(missing.status).toBe(404);
  });

  it('keeps state and history on disk across a restart', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'poolscale-up-'));
    dirs.push(dir);
    const first = await start(dir);
    const before = (await (await fetch(`${first.url}/pools/bots/history`)).json()) as unknown;
    const firstDecisionAt = JSON.stringify(before).match(/"at":(\d+)/)?.[1];
    expect(firstDecisionAt).toBeDefined();
    await first.stop();
    planes.splice(planes.indexOf(first), 1);

    // Act
    const second = await start(dir);
    const history = (await (await fetch(`${second.url}/pools/bots/history`)).json()) as unknown;

    // Assess: the decision of the first run is still there.
    expect(JSON.stringify(history)).toContain(`"at":${firstDecisionAt}`);
  });
});
