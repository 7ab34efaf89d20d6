import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createNetServer,
  type AddressInfo,
  type Server as NetServer,
  type Socket,
} from 'node:net';

/** One request the loopback server saw. */
export interface SeenRequest {
  method: string;
  url: string;
}

/** A node:http server on 127.0.0.1 whose handler misbehaves on purpose; it tracks requests and sockets. */
export interface FaultServer {
  url: string;
  port: number;
  seen: SeenRequest[];
  /** Sockets still open on the server side. */
  openSockets(): number;
  close(): Promise<void>;
}

/** Runs `callback` after `delayMs` unless the server was closed first. */
export type Later = (callback: () => void, delayMs: number) => void;

/** The handler gets the request, the response, its 0-based index among all requests, and a timer. */
export type FaultHandler = (req: IncomingMessage, res: ServerResponse, index: number, later: Later) => void;

/** Starts a {@link FaultServer} on an OS-chosen loopback port. */
export async function startFaultServer(handler: FaultHandler, port = 0): Promise<FaultServer> {
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const server: Server = createServer((req, res) => {
    const index = seen.length;
    seen.push({ method: req.method ?? '', url: req.url ?? '' });
    // Drain the request body so a reset is not caused by unread input.
    req.resume();
    // No keep-alive: once a call is over, no client socket may stay open (leaks are asserted on this).
    res.setHeader('connection', 'close');
    const later: Later = (callback, delayMs) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        callback();
      }, delayMs);
      timers.add(timer);
    };
    handler(req, res, index, later);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    seen,
    openSockets: () => sockets.size,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A raw TCP server that accepts connections and never writes a byte (a peer that never answers). */
export interface SilentServer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  openSockets(): number;
  close(): Promise<void>;
}

/** Starts a {@link SilentServer} on an OS-chosen loopback port. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const state = { accepted: 0 };
  const server: NetServer = createNetServer((socket) => {
    state.accepted += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    get accepted() {
      return state.accepted;
    },
    openSockets: () => sockets.size,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port that was just listening and is now closed: connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits until `check` is true, polling every few ms, or throws after `timeoutMs`. */
export async function eventually(check: () => boolean, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  const started = Date.now();
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  if (process.env.FAULTS_DEBUG) console.log(`${what}: ${Date.now() - started} ms`);
}
