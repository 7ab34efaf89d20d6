import type { ServerResponse } from 'node:http';
import type { DropFault, StreamErrorFault } from './fault-plan.js';
import type { RecordedRequest, RequestLog } from './request-log.js';

/** A complete HTTP answer. */
export interface HttpReply {
  /** HTTP status. */
  status: number;
  /** Content-Type header value. */
  contentType: string;
  /** The body. */
  body: string | Buffer;
  /** Extra headers. */
  headers?: Record<string, string> | undefined;
  /** The vendor code the body carries, for the request log. */
  code?: string | undefined;
}

/** How {@link HttpReplier.streamLines} ends a stream early. */
export interface StreamLinesOptions {
  /** Content-Type of the stream. */
  contentType: string;
  /** A `stream-error` fault to apply, if one was claimed. */
  streamError?: StreamErrorFault | undefined;
  /** Builds the vendor's error line from a message. */
  errorLine: (message: string) => string;
}

/** Writes one HTTP answer, applies mid-response drops and records what was sent. */
export class HttpReplier {
  constructor(
    private readonly res: ServerResponse,
    private readonly log: RequestLog,
    private readonly entry: RecordedRequest,
    private readonly claimDrop: () => DropFault | undefined,
    private readonly commonHeaders: Record<string, string> = {},
  ) {}

  /** Sends a complete answer (or half of it and a cut connection, when a mid-response drop fires). */
  send(reply: HttpReply): void {
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
    const drop = this.claimDrop();
    this.res.writeHead(reply.status, {
      ...this.commonHeaders,
      ...reply.headers,
      'content-type': reply.contentType,
      'content-length': String(body.length),
    });
    if (drop) {
      this.entry.faults.push('drop');
      this.cutAfter(body.subarray(0, Math.max(1, Math.floor(body.length / 2))), reply.status, reply.code);
      return;
    }
    this.res.end(body);
    this.log.finish(this.entry, 'responded', reply.status, reply.code);
  }

  /** Sends JSON. */
  json(status: number, value: unknown, headers?: Record<string, string>): void {
    this.send({ status, contentType: 'application/json', body: JSON.stringify(value), headers });
  }

  /**
   * Streams newline-delimited lines with status 200 (the last one the stream's end). A `stream-error`
   * fault replaces the rest with the vendor's error line; a mid-response drop cuts the connection
   * halfway through the lines.
   */
  streamLines(lines: readonly string[], options: StreamLinesOptions): void {
    const drop = this.claimDrop();
    this.res.writeHead(200, { ...this.commonHeaders, 'content-type': options.contentType });
    const fault = options.streamError;
    // The error ends the stream: on a stream no longer than afterLines it takes the final line's place.
    const goodLines = fault ? lines.slice(0, Math.min(fault.afterLines, lines.length - 1)) : lines;
    if (drop) {
      this.entry.faults.push('drop');
      const kept = goodLines.slice(0, Math.max(1, Math.floor(goodLines.length / 2)));
      this.cutAfter(Buffer.from(kept.map((line) => `${line}\n`).join('')), 200, undefined);
      return;
    }
    for (const line of goodLines) this.res.write(`${line}\n`);
    if (fault) {
      this.entry.faults.push('stream-error');
      this.res.write(`${options.errorLine(fault.message ?? 'Internal error while streaming')}\n`);
    }
    // The vendor ends the connection right after an error line; so do we.
    this.res.end();
    this.log.finish(this.entry, 'responded', 200, fault ? 'stream-error' : undefined);
  }

  /** Destroys the socket without sending anything. */
  dropBeforeResponse(): void {
    this.res.socket?.destroy();
    this.log.finish(this.entry, 'dropped-before-response');
  }

  private cutAfter(partial: Buffer, status: number, code: string | undefined): void {
    this.res.flushHeaders();
    this.res.write(partial, () => this.res.socket?.destroy());
    this.log.finish(this.entry, 'dropped-mid-response', status, code);
  }
}
