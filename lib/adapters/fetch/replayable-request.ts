import type { Phase } from '../../core/engine/types.js';
import type { CallContext } from '../../run/call-context.js';
import { credentialsIn, redactErrorInPlace } from '../../run/redact.js';
import type { TryResult } from '../../run/try-judge.js';
import { untilAborted } from '../../run/until-aborted.js';
import type { FetchFunction, FetchInput } from './options.js';
import { fetchNetworkObservation } from './response-signal.js';

/**
 * One fetch call's request, held so that each try can send it again. A URL with an `init` whose
 * body fetch can read again (a string, bytes, `Blob`, `FormData`, `URLSearchParams`) is passed on
 * as it is, at every try. A `Request`'s body can be read once, so it is read into memory here (up
 * to a bound) and every try sends those bytes; a stream body (a `ReadableStream`, or any async
 * iterable undici takes: a Node `Readable`, an async generator) is sent once.
 */
export class ReplayableRequest {
  private constructor(
    /** What each try passes to fetch: the caller's URL, or the caller's request rebuilt as a `Request`. */
    private readonly input: FetchInput,
    /** The caller's `init` (URL form), or the held body (`Request` form). */
    private readonly init: RequestInit | undefined,
    /** The request's URL, for the credentials it carries. */
    readonly url: string,
    /** Why the request cannot be sent again once its first try went out, or `undefined` when it can. */
    readonly oneShotReason: string | undefined,
  ) {}

  /**
   * Holds the request fetch would send for `(input, init)`. A `Request`'s body is read into memory
   * when it is at most `maxBodyBytes` long, and else sent once (its read part first, then the rest).
   * The read stops when the call's signal aborts (the body is cancelled, the signal's reason
   * thrown), as fetch's own send of that body would. What fetch would refuse (a URL with user info,
   * a GET with a body) throws fetch's `TypeError`, the call's credentials scrubbed from it.
   */
  static async from(
    input: FetchInput,
    init: RequestInit | undefined,
    maxBodyBytes: number,
    context?: CallContext,
  ): Promise<ReplayableRequest> {
    const streamed = isStreamBody(init?.body);
    if (!(input instanceof Request) && !streamed) {
      // fetch extracts a body of these kinds afresh on every call: nothing to hold.
      return new ReplayableRequest(input, init, String(input), undefined);
    }
    // A stream body needs `duplex: 'half'` (Node's fetch requires it for any stream body).
    let base: Request;
    try {
      base = new Request(input, streamed ? { ...init, duplex: 'half' } : init);
    } catch (error) {
      // The call's secrets (yours), and the request's own: a job's call learns them only later.
      const secrets = [...(context?.secrets ?? []), ...ReplayableRequest.credentialsOf(input, init)];
      throw redactErrorInPlace(error, secrets);
    }
    if (base.body === null) return new ReplayableRequest(base, undefined, base.url, undefined);
    if (streamed) {
      const why = 'the request body is a stream that the first try consumed';
      return new ReplayableRequest(base, { body: base.body, duplex: 'half' } as RequestInit, base.url, why);
    }
    const reader = base.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await readOrStop(reader, context?.signal);
      if (done) return new ReplayableRequest(base, { body: concat(chunks, size) }, base.url, undefined);
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
    return new ReplayableRequest(base, { body: rest, duplex: 'half' } as RequestInit, base.url, why);
  }

  /** The request's headers as a plain object (lower-case names when they came as `Headers`). */
  headers(): Readonly<Record<string, unknown>> | undefined {
    return plainHeaders(this.input instanceof Request ? this.input.headers : this.init?.headers);
  }

  /** The credentials the request carries (headers, credential query parameters, the URL's user info), for redaction. */
  credentials(): string[] {
    return requestCredentials(this.url, this.headers());
  }

  /**
   * The credentials the request `(input, init)` carries (headers, credential query parameters, the
   * URL's user info), for redaction; known before its body is read. The first one picks the pacer.
   */
  static credentialsOf(input: FetchInput, init: RequestInit | undefined): string[] {
    const url = input instanceof Request ? input.url : String(input);
    return requestCredentials(
      url,
      plainHeaders(init?.headers ?? (input instanceof Request ? input.headers : undefined)),
    );
  }

  /**
   * Sends try `tryNumber` with `fetchImpl` (the try's `attemptHeaders` and the call's signal added):
   * its Response, or, when fetch rejected, the transport failure as the engine reads it (its socket
   * code). Throws the call's own reason when the call was stopped meanwhile, and fetch's own error
   * (credentials scrubbed) when fetch refused the arguments themselves: nothing was sent then.
   */
  async send(
    fetchImpl: FetchFunction,
    context: CallContext,
    tryNumber: number,
    phase: Phase,
  ): Promise<{ response: Response } | { failure: TryResult<undefined> }> {
    const [input, init] = this.forTry(context.attemptHeaders(tryNumber, phase), context.signal);
    try {
      return { response: await fetchImpl(input, init) };
    } catch (error) {
      context.throwIfAborted();
      // A URL and init that fetch refuses (a relative URL, a GET with a body, a bad header value)
      // fail every try alike: not a transport failure. A Request here was built, so it is valid.
      if (!(input instanceof Request) && refusedByFetch(error, input, init)) {
        throw redactErrorInPlace(error, context.secrets);
      }
      return { failure: { observation: fetchNetworkObservation(error), value: undefined, cause: error } };
    }
  }

  /** The arguments of one try's fetch: the caller's request with `extraHeaders` added and the call's `signal`. */
  forTry(
    extraHeaders: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
  ): [FetchInput, RequestInit | undefined] {
    const { input } = this;
    const hasExtra = Object.keys(extraHeaders).length > 0;
    if (!(input instanceof Request)) {
      if (!hasExtra && signal === undefined) return [input, this.init];
      const init: RequestInit = { ...this.init };
      if (signal !== undefined) init.signal = signal;
      if (hasExtra) init.headers = withHeaders(this.init?.headers, extraHeaders);
      return [input, init];
    }
    // A Request rebuilt per try: its body was read (or is the one-shot stream), so the held one is given.
    const init: RequestInit = { ...this.init };
    if (signal !== undefined) init.signal = signal;
    if (hasExtra) init.headers = withHeaders(input.headers, extraHeaders);
    return [new Request(input, init), undefined];
  }
}

/**
 * The credentials of a request's URL and headers ({@link credentialsIn}), plus its URL's user name:
 * undici refuses a URL with user info and quotes the URL in its `TypeError`, so the user name too
 * (an API key, in a Basic-auth style URL) is scrubbed from what the call passes on.
 */
function requestCredentials(url: string, headers: Readonly<Record<string, unknown>> | undefined): string[] {
  const found = credentialsIn(url, headers);
  if (url.includes('@')) {
    try {
      const { username } = new URL(url);
      if (username.length >= 4) found.push(username, decodeURIComponent(username));
    } catch {
      // A relative or invalid URL, or a user name that is not valid percent-encoding.
    }
  }
  return found;
}

/** Headers in any form fetch takes, as a plain object (lower-case names when they came as `Headers` or pairs). */
function plainHeaders(headers: RequestInit['headers'] | null): Readonly<Record<string, unknown>> | undefined {
  if (headers === undefined || headers === null) return undefined;
  if (headers instanceof Headers || Array.isArray(headers)) return Object.fromEntries(new Headers(headers));
  return headers as Record<string, string>;
}

/**
 * True for a body that can be read once: a `ReadableStream`, or any other async iterable undici
 * takes as a body (a Node `Readable`, an async generator). Strings, bytes, `Blob`, `FormData` and
 * `URLSearchParams` are not: fetch reads them afresh on every call.
 */
function isStreamBody(body: unknown): boolean {
  if (body instanceof ReadableStream) return true;
  return (
    typeof body === 'object' &&
    body !== null &&
    typeof (body as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/**
 * True when `error` is fetch's refusal of `(input, init)` itself: its own `Request` constructor
 * refuses them with the same message (asked only after fetch rejected). A `fetch` option that takes
 * more (a relative URL against its base) and then fails on the wire is not taken for a refusal.
 */
function refusedByFetch(error: unknown, input: FetchInput, init: RequestInit | undefined): boolean {
  try {
    new Request(input, init);
    return false;
  } catch (refusal) {
    return (refusal as { message?: unknown }).message === (error as { message?: unknown } | null)?.message;
  }
}

/** The next chunk of `reader`, or the reason of `signal` as it is once it aborts (the reader is cancelled with it). */
function readOrStop(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  signal: AbortSignal | undefined,
): ReturnType<ReadableStreamDefaultReader<Uint8Array>['read']> {
  if (signal === undefined) return reader.read();
  const stop = (): void => void reader.cancel(signal.reason).catch(() => undefined);
  return untilAborted(reader.read(), signal, stop, (aborted) => aborted.reason);
}

/** `headers` with `extra` set over them, as a new `Headers`. */
function withHeaders(headers: RequestInit['headers'], extra: Readonly<Record<string, string>>): Headers {
  const out = new Headers(headers);
  for (const [name, value] of Object.entries(extra)) out.set(name, value);
  return out;
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
