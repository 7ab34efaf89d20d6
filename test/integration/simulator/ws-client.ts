import { WebSocket, type RawData } from 'ws';

/** One message the test client received. */
export type ReceivedMessage =
  { kind: 'json'; value: Record<string, unknown> } | { kind: 'binary'; bytes: number };

/** What a finished client-side WebSocket session saw. */
export interface ClientSessionResult {
  messages: ReceivedMessage[];
  closeCode: number;
}

/** Opens a WebSocket; resolves when open, or rejects with the upgrade response's status and headers. */
export function openWebSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const received: ReceivedMessage[] = [];
    ws.on('message', (data: RawData, isBinary: boolean) => received.push(toMessage(data, isBinary)));
    receivedBySocket.set(ws, received);
    closedBySocket.set(
      ws,
      new Promise((resolveClose) =>
        ws.once('close', (closeCode: number) => resolveClose({ messages: received, closeCode })),
      ),
    );
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        ws.terminate();
        reject(new UpgradeRejected(response.statusCode ?? 0, response.headers, body));
      });
    });
    ws.once('error', (error) => reject(error));
  });
}

/** A refused upgrade, as the client saw it. */
export class UpgradeRejected extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string | string[] | undefined>,
    readonly body: string,
  ) {
    super(`upgrade rejected with ${status}`);
  }
}

const receivedBySocket = new WeakMap<WebSocket, ReceivedMessage[]>();
const closedBySocket = new WeakMap<WebSocket, Promise<ClientSessionResult>>();

/** Sends `messages` in order (objects as JSON, Buffers as binary) and waits for the server to close. */
export function runSession(
  ws: WebSocket,
  messages: readonly (object | Buffer)[],
): Promise<ClientSessionResult> {
  // A cut connection also emits 'error' before 'close' (1006); the close carries the result.
  ws.on('error', () => undefined);
  for (const message of messages) {
    if (ws.readyState !== WebSocket.OPEN) break;
    ws.send(Buffer.isBuffer(message) ? message : JSON.stringify(message));
  }
  const closed = closedBySocket.get(ws);
  if (!closed) throw new Error('runSession: socket was not opened with openWebSocket');
  return closed;
}

/** The `type` fields of the JSON messages, with `binary` for binary frames. */
export function messageTypes(messages: readonly ReceivedMessage[]): string[] {
  return messages.map((message) => (message.kind === 'binary' ? 'binary' : String(message.value['type'])));
}

function toMessage(data: RawData, isBinary: boolean): ReceivedMessage {
  const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  if (isBinary) return { kind: 'binary', bytes: buffer.length };
  return { kind: 'json', value: JSON.parse(buffer.toString()) as Record<string, unknown> };
}
