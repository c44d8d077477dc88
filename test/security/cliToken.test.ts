/**
 * The CLI's side of the local token: operator commands against `poolscale up` send the token
 * from the data folder (or POOLSCALE_TOKEN) without any option, and never send the stored
 * token to a host that is not loopback.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createApiClient, localToken } from '../../shared/cli/apiClient';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';
import { loadOrCreateToken } from '../../shared/local/dataFolder';
import { botsConfig } from '../support/botsConfig';
import { stringify } from 'yaml';
import { ROOT, startUp } from './upProcess';

/** Runs the CLI as a process (asynchronously: the API answering it is in this process). */
function cli(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/poolscale.js'), ...args], { cwd, env: { ...process.env, POOLSCALE_TOKEN: '', POOLSCALE_DATA: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('CLI: the local API token', () => {
  let dir: string;
  let token: string;
  let plane: ControlPlane;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'poolscale-cli-token-'));
    token = loadOrCreateToken(join(dir, '.poolscale/data'));
    plane = await startControlPlane({ config: botsConfig(), port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000, token });
  });
  afterAll(async () => {
    await plane.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the token file is created once, 0600 in a 0700 folder, and read back the same', () => {
    expect(statSync(join(dir, '.poolscale/data/token')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, '.poolscale/data')).mode & 0o777).toBe(0o700);
    expect(loadOrCreateToken(join(dir, '.poolscale/data'))).toBe(token);
  });

  it('`poolscale status` run in the folder of `up` gets in without any option', async () => {
    const run = await cli(['status', '--api', plane.url], dir);
    expect(run.stderr).not.toContain('401');
    expect(run.stdout).toContain('bots');
    expect(run.status).toBe(0);
  });

  it('elsewhere it is refused (401) with a message saying where the token is', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'poolscale-cli-elsewhere-'));
    const run = await cli(['status', '--api', plane.url], elsewhere);
    rmSync(elsewhere, { recursive: true, force: true });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('401');
    expect(run.stderr).toContain('token');
  });

  it.each([
    { case: 'POOLSCALE_TOKEN', env: () => ({ POOLSCALE_TOKEN: token }), ok: true },
    { case: 'POOLSCALE_DATA', env: () => ({ POOLSCALE_DATA: join(dir, '.poolscale/data') }), ok: true },
    { case: 'a wrong POOLSCALE_TOKEN', env: () => ({ POOLSCALE_TOKEN: 'wrong', POOLSCALE_DATA: join(dir, '.poolscale/data') }), ok: false },
  ])('apiClient with $case', async ({ env, ok }) => {
    const api = createApiClient({ baseUrl: plane.url, env: env(), cwd: tmpdir() });
    const result = await api('GET', '/pools').then(() => 200, (error: unknown) => (error as ApiError).status);
    expect(result === 200).toBe(ok);
  });

  it.each([
    { url: 'http://127.0.0.1:8080', sent: true },
    { url: 'http://localhost:8080', sent: true },
    { url: 'http://[::1]:8080', sent: true },
    { url: 'https://api.example.com', sent: false },
    { url: 'http://10.0.0.5:8080', sent: false },
  ])('the stored token goes to $url: $sent', ({ url, sent }) => {
    expect(localToken(new URL(url), { POOLSCALE_DATA: join(dir, '.poolscale/data') }) === token).toBe(sent);
  });

  it.each([
    { url: 'http://127.0.0.1:8080', sent: true },
    { url: 'http://[::1]:8080', sent: true },
    { url: 'http://127.0.0.2:8080', sent: false },
    { url: 'http://api.example.com', sent: false },
    { url: 'https://api.example.com', sent: false },
  ])('POOLSCALE_TOKEN goes to $url: $sent', ({ url, sent }) => {
    expect(localToken(new URL(url), { POOLSCALE_TOKEN: 'from-env' }) === 'from-env').toBe(sent);
  });
});

describe('CLI: up and the operator commands agree on POOLSCALE_DATA', () => {
  it('`up` keeps its token in $POOLSCALE_DATA, where `status` run elsewhere with the same variable finds it', async () => {
    // Prepare: up in one folder, status in another; only POOLSCALE_DATA joins them
    const upDir = mkdtempSync(join(tmpdir(), 'poolscale-up-data-'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'poolscale-status-data-'));
    const data = join(upDir, 'shared-data');
    writeFileSync(join(upDir, 'pools.yaml'), stringify(botsConfig()));
    const up = await startUp(['--config', join(upDir, 'pools.yaml'), '--in-memory'], { cwd: upDir, env: { REDIS_URL: 'redis://127.0.0.1:1', POOLSCALE_DATA: data, POOLSCALE_TOKEN: '' } });
    try {
      // Act
      const run = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin/poolscale.js'), 'status', '--api', up.url], { cwd: elsewhere, env: { ...process.env, POOLSCALE_TOKEN: '', POOLSCALE_DATA: data } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (status) => resolve({ status, stdout, stderr }));
      });

      // Assess
      expect(statSync(join(data, 'token')).mode & 0o777).toBe(0o600);
      expect(run.stderr).not.toContain('401');
      expect(run.stdout).toContain('bots');
      expect(run.status).toBe(0);
    } finally {
      await up.stop();
      rmSync(upDir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
    }
  }, 120_000);
});
