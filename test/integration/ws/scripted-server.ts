import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

/** How the test server refuses an upgrade. */
export interface Refusal {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/** One accepted connection as the server saw it. */
export interface ServerSide {
  /** 1-based, in order of upgrade requests (refused ones count too). */
  number: number;
  socket: WebSocket;
  request: IncomingMessage;
  /** Text messages received, in order. */
  received: string[];
}

/** What a test scripts: refuse an upgrade, and what to do on each accepted connection. */
export interface Script {
  refuse?(number: number, request: IncomingMessage): Refusal | undefined;
  connected(side: ServerSide): void;
  /** Accept permessage-deflate (ws's server default is off). */
  perMessageDeflate?: boolean;
}

/** A real `ws` server on an ephemeral port, scripted per test. */
export interface ScriptedServer {
  /** `ws://127.0.0.1:<port>` */
  origin: string;
  /** Every upgrade request, accepted or refused, in order. */
  requests: IncomingMessage[];
  sides: ServerSide[];
  close(): Promise<void>;
}

function refuse(socket: Duplex, refusal: Refusal): void {
  const body = refusal.body ?? '';
  const head = [
    `HTTP/1.1 ${refusal.status} Refused`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
  ];
  for (const [name, value] of Object.entries(refusal.headers ?? {})) head.push(`${name}: ${value}`);
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/** Starts a scripted server on port 0. */
export async function startScriptedServer(script: Script): Promise<ScriptedServer> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: script.perMessageDeflate === true });
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const requests: IncomingMessage[] = [];
  const sides: ServerSide[] = [];
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    requests.push(request);
    const number = requests.length;
    const refusal = script.refuse?.(number, request);
    if (refusal) {
      refuse(socket, refusal);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => {
      const side: ServerSide = { number, socket: ws, request, received: [] };
      sides.push(side);
      ws.on('message', (data, isBinary) => {
        if (!isBinary) side.received.push(data.toString());
      });
      script.connected(side);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    origin: `ws://127.0.0.1:${port}`,
    requests,
    sides,
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** Calls `handler` for each text message after the first (the setup) on a connection. */
export function afterSetup(side: ServerSide, handler: (text: string, index: number) => void): void {
  let index = 0;
  side.socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    if (index++ === 0) return;
    handler(data.toString(), index - 1);
  });
}

/** A server that echoes every message back (text as text, binary as binary) and never fails. */
export function startEchoServer(): Promise<ScriptedServer> {
  return startScriptedServer({
    connected(side) {
      side.socket.on('message', (data, isBinary) => side.socket.send(data, { binary: isBinary }));
    },
  });
}
