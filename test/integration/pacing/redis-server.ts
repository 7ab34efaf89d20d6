import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';

const CANDIDATES = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'];

/** The redis-server binary, or `undefined` when none is installed. */
export function findRedisServer(): string | undefined {
  return CANDIDATES.find((path) => existsSync(path));
}

/**
 * Whether Redis tests run: yes when redis-server is installed, and also when `CI` is set (so a
 * CI without it fails loudly in {@link startRedisServer} instead of skipping).
 */
export function redisTestsEnabled(): boolean {
  return findRedisServer() !== undefined || Boolean(process.env['CI']);
}

/** A throwaway Redis on a free loopback port, no persistence. */
export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server (SIGKILL when `abruptly`, as a crash would) and waits for it to exit. */
  stop(abruptly?: boolean): Promise<void>;
}

/**
 * Starts redis-server on a free port (or on `port`, to restart one that was stopped: a Redis
 * that lost its data) and waits until it accepts connections.
 */
export async function startRedisServer(port?: number): Promise<RedisServer> {
  const binary = findRedisServer();
  if (!binary) {
    throw new Error('redis-server is not installed (CI must install it: apt-get install -y redis-server)');
  }
  port ??= await freePort();
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitUntilListening(port, child);
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop(abruptly = false) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null)
          child.kill(abruptly ? 'SIGKILL' : 'SIGTERM');
        await exited;
      })();
      return stopping;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitUntilListening(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`redis-server exited with ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not listen on port ${port} within 5 s`);
}
