import type { FetchInput } from './options.js';

/**
 * One fetch call's request, held so that each try can be a fresh `Request`: a `Request` body can
 * be read once, so it is read into memory here (up to a bound) and every try sends those bytes.
 */
export class ReplayableRequest {
  /** Why the request cannot be sent again once its first try went out, or `undefined` when it can. */
  readonly oneShotReason: string | undefined;

  private constructor(
    /** The caller's request as fetch would build it (URL, method, headers, signal, options); its body is read. */
    readonly base: Request,
    /** The bytes every try sends, or the stream the single try sends, or null without a body. */
    private readonly body: Uint8Array | ReadableStream<Uint8Array> | null,
    oneShotReason: string | undefined,
  ) {
    this.oneShotReason = oneShotReason;
  }

  /**
   * Builds the request fetch would send for `(input, init)`. A body that is a `ReadableStream` in
   * `init` is sent once as it is; any other body is read into memory when it is at most
   * `maxBodyBytes` long, and else sent once (its read part first, then the rest of the stream).
   */
  static async from(
    input: FetchInput,
    init: RequestInit | undefined,
    maxBodyBytes: number,
  ): Promise<ReplayableRequest> {
    const streamed = init?.body instanceof ReadableStream;
    // A stream body needs `duplex: 'half'` (Node's fetch requires it for any stream body).
    const base = new Request(input, streamed ? { ...init, duplex: 'half' } : init);
    if (base.body === null) return new ReplayableRequest(base, null, undefined);
    if (streamed) {
      return new ReplayableRequest(
        base,
        base.body,
        'the request body is a stream that the first try consumed',
      );
    }
    const reader = base.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return new ReplayableRequest(base, concat(chunks, size), undefined);
      chunks.push(value);
      size += value.byteLength;
      if (size > maxBodyBytes) break;
    }
    // Too large to hold: what was read goes out first, then the rest of the caller's stream, once.
    const rest = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        const chunk = chunks.shift();
        if (chunk !== undefined) return controller.enqueue(chunk);
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    const why = `the request body is over ${maxBodyBytes} bytes (maxReplayBodyBytes), so it was sent once, not held`;
    return new ReplayableRequest(base, rest, why);
  }

  /** The request of one try: the caller's request with this try's headers and the call's signal. */
  forTry(headers: Headers, signal: AbortSignal | undefined): Request {
    const init: RequestInit = { headers };
    if (signal !== undefined) init.signal = signal;
    if (this.body instanceof ReadableStream) Object.assign(init, { body: this.body, duplex: 'half' });
    else if (this.body !== null) init.body = this.body;
    return new Request(this.base, init);
  }
}

/** The chunks of a body as one byte array. */
function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
