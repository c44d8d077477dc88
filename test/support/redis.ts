import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';

/** A throwaway redis-server for integration tests. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Kills the server and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
}

/** Asks the kernel for a free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('Could not determine a free port'));
        return;
      }
      const { port } = address;
      server.close(() => resolve(port));
    });
  });
}

/** Sends one raw PING and resolves true when the server answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `redis-server` on a free port with persistence off, and waits until it answers PING.
 *
 * @example
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 */
export async function startRedis(options: { startTimeoutMs?: number; port?: number } = {}): Promise<TestRedis> {
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  // A fixed port: to restart a server where clients expect it (reconnection tests).
  if (options.port !== undefined) return startOn(options.port, startTimeoutMs);
  // A port can be taken between probing and binding; retry a few times with a fresh one.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return await startOn(port, startTimeoutMs);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error('redis-server did not start', { cause: lastError });
}

async function startOn(port: number, startTimeoutMs: number): Promise<TestRedis> {
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    if (output.length < 10_000) output += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    if (output.length < 10_000) output += chunk.toString('utf8');
  });
  let exited = child.exitCode !== null;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  // If the test process dies without calling stop(), do not leave the server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await exit;
    clearTimeout(timer);
  };

  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited) break;
    if (await ping(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    await sleep(25);
  }
  await stop();
  throw new Error(`redis-server on port ${port} did not answer PING: ${output.slice(-500)}`);
}
