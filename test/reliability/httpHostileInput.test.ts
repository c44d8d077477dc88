/**
 * The local control plane's HTTP front (`poolscale up`) under hostile raw requests: malformed
 * request targets, bad percent-encoding, oversized and aborted bodies, lying content-lengths.
 * Every answered request is < 500, and the server keeps serving afterwards.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../shared/domain/policy';
import { type ControlPlane, startControlPlane } from '../../shared/local/controlPlane';

const config = ConfigSchema.parse({
  pools: [
    {
      id: 'bots',
      target: { kind: 'none' },
      min: 1,
      max: 10,
      interval: '1m',
      metrics: { busy: { source: 'static', value: 2 } },
      rules: [{ type: 'buffer', minFree: 1, batch: 1 }],
    },
  ],
});

/** Sends raw bytes and returns the status code of the answer, or undefined if none came. */
function raw(url: string, payload: string | Buffer, options: { abortAfterWrite?: boolean } = {}): Promise<number | undefined> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    const done = () => {
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(data);
      resolve(match ? Number(match[1]) : undefined);
    };
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (/\r\n\r\n/.test(data)) socket.end();
    });
    socket.on('error', () => undefined);
    socket.on('close', done);
    socket.write(payload, () => {
      if (options.abortAfterWrite) socket.destroy();
    });
  });
}

describe('Reliability: local HTTP front (hostile raw requests)', () => {
  let plane: ControlPlane;
  beforeAll(async () => {
    plane = await startControlPlane({ config, port: 0, redisUrl: 'redis://127.0.0.1:1', tickMs: 3_600_000 });
  });
  afterAll(async () => {
    await plane.stop();
  });

  // The Host the server bound, so that each request gets past the Host check to the handlers.
  const request = (line: string, headers: string[] = [], body = '') =>
    `${line}\r\nHost: ${new URL(plane.url).host}\r\nConnection: close\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`;

  it.each([
    { case: 'bad percent-encoding in the pool id', payload: () => request('GET /pools/%E0%A4%A HTTP/1.1') },
    { case: 'a lone % in the path', payload: () => request('GET /pools/% HTTP/1.1') },
    { case: 'an absolute-form target with a broken host (http://[)', payload: () => request('GET http://[ HTTP/1.1') },
    { case: 'a protocol-relative target with a broken host (//[)', payload: () => request('GET //[ HTTP/1.1') },
    { case: 'an absolute-form target with a bad escape in the host', payload: () => request('GET http://%zz/ HTTP/1.1') },
    { case: 'an absolute-form target with port 99999', payload: () => request('GET http://:99999/ HTTP/1.1') },
    { case: 'an encoded NUL and slash', payload: () => request('GET /pools/bots%00%2F..%2F HTTP/1.1') },
    { case: 'a path of 60000 characters', payload: () => request(`GET /pools/${'a'.repeat(60_000)} HTTP/1.1`) },
    { case: 'a query with a broken escape', payload: () => request('GET /pools/bots/history?limit=%ZZ&before=%E0 HTTP/1.1') },
    { case: 'an unknown method', payload: () => request('BREW /pools HTTP/1.1') },
    { case: 'an absolute-form target', payload: () => request('GET http://evil.example/pools HTTP/1.1') },
    { case: 'a protocol-relative target', payload: () => request('GET //evil.example/pools HTTP/1.1') },
    { case: 'a body of 2 MiB', payload: () => request('PUT /pools/bots HTTP/1.1', ['Content-Type: application/json', `Content-Length: ${2 * 1024 * 1024}`], 'x'.repeat(2 * 1024 * 1024)) },
    { case: 'a body of 300 KiB', payload: () => request('POST /pools/bots/scale HTTP/1.1', ['Content-Type: application/json', `Content-Length: ${300 * 1024}`], 'x'.repeat(300 * 1024)) },
    { case: 'invalid UTF-8 in the body', payload: () => Buffer.concat([Buffer.from(request('POST /pools/bots/scale HTTP/1.1', ['Content-Type: application/json', 'Content-Length: 4'])), Buffer.from([0xff, 0xfe, 0xc0, 0x80])]) },
    { case: 'chunked JSON', payload: () => request('POST /pools/bots/pause HTTP/1.1', ['Content-Type: application/json', 'Transfer-Encoding: chunked'], '2\r\n{}\r\n0\r\n\r\n') },
    { case: 'a heartbeat with garbage signature headers', payload: () => request('POST /agent/heartbeat HTTP/1.1', ['X-Poolscale-Host: a', 'X-Poolscale-Signature: zz', 'Content-Length: 2'], '{}') },
    { case: 'a 10000-character header value', payload: () => request('GET /pools HTTP/1.1', [`X-Junk: ${'j'.repeat(10_000)}`]) },
    { case: 'an HTTP/1.0 request without Host', payload: () => 'GET /pools HTTP/1.0\r\n\r\n' },
    { case: 'two Host headers', payload: () => request('GET /pools HTTP/1.1', ['Host: evil.example']) },
    { case: 'a 10000-character Host', payload: () => `GET /pools HTTP/1.1\r\nHost: ${'h'.repeat(10_000)}\r\nConnection: close\r\n\r\n` },
    { case: 'a bearer token of 100000 characters', payload: () => request('GET /pools HTTP/1.1', [`Authorization: Bearer ${'t'.repeat(100_000)}`]) },
  ])('$case: answers < 500 (or the HTTP parser refuses it)', async ({ payload }) => {
    // Act
    const status = await raw(plane.url, payload());

    // Assess: Node's parser may close the socket with its own 4xx; the handlers never 5xx.
    if (status !== undefined) expect(status).toBeLessThan(500);
    const health = await fetch(`${plane.url}/health`);
    expect(health.status).toBe(200);
  });

  it('clients that disconnect mid-body do not take the server down', async () => {
    // Act: ten requests that promise 1 MiB and send 10 bytes, then hang up.
    for (let i = 0; i < 10; i++) {
      await raw(plane.url, request('PUT /pools/bots HTTP/1.1', ['Content-Type: application/json', 'Content-Length: 1048576'], '{"min":1,'), { abortAfterWrite: true });
    }

    // Assess
    expect((await fetch(`${plane.url}/pools`)).status).toBe(200);
    expect((await fetch(`${plane.url}/pools/bots`)).status).toBe(200);
  });
});
