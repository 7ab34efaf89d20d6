import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply: a status, headers and body, or a function that writes the reply itself. */
export type ScriptedReply =
  | { status: number; headers?: Record<string, string>; body?: string | Buffer }
  | ((res: ServerResponse) => void);

/** A request the server received. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A loopback server on port 0 that answers each route with its next scripted reply. */
export interface ScriptedServer {
  url: string;
  received: ReceivedRequest[];
  /** Requests whose path starts with `prefix`. */
  to(prefix: string): ReceivedRequest[];
  close(): Promise<void>;
}

/** JSON reply helper. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): ScriptedReply {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * Starts a server; `routes` maps "METHOD /path-prefix" to a list of replies used in order (the last
 * one repeats). Unknown routes get 599 so a test notices them.
 */
export async function startScriptedServer(routes: Record<string, ScriptedReply[]>): Promise<ScriptedServer> {
  const received: ReceivedRequest[] = [];
  const used = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({
        method: req.method ?? 'GET',
        path,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const key = Object.keys(routes)
        .filter((k) => {
          const [method, prefix] = k.split(' ');
          return method === req.method && prefix !== undefined && path.startsWith(prefix);
        })
        .sort((a, b) => b.length - a.length)[0];
      const replies = key === undefined ? undefined : routes[key];
      if (key === undefined || !replies || replies.length === 0) {
        res.writeHead(599).end('no scripted route');
        return;
      }
      const n = used.get(key) ?? 0;
      used.set(key, n + 1);
      const reply = replies[Math.min(n, replies.length - 1)] as ScriptedReply;
      if (typeof reply === 'function') {
        reply(res);
        return;
      }
      res.writeHead(reply.status, reply.headers ?? {}).end(reply.body ?? '');
    });
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    to: (prefix) => received.filter((r) => r.path.startsWith(prefix)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
