import { HTTPError, ParseError, type HandlerFunction, type Options, type Response } from 'got';
import type { Decision } from '../engine/types.js';
import { runAttempts } from './attempt-loop.js';
import { sendTry, type EventListenerPair } from './send-try.js';
import {
  attemptOptions,
  combinedSignal,
  firstTryOptions,
  hasStreamBody,
  requestCredentials,
  startTry,
  STREAM_BODY_REASON,
  type CallerRequest,
  type TryPromise,
} from './attempt-options.js';
import { CallContext, endedDecision, type ResilienceSetup } from './call-context.js';

type BodyType = 'json' | 'text' | 'buffer';

/** The promise the adapter returns: got's shortcuts work on it as on got's own promise. */
export interface ResilientPromise<T> extends Promise<T> {
  json<J = unknown>(): Promise<J>;
  text(): Promise<string>;
  buffer(): Promise<Buffer>;
  on(event: string, listener: (...args: unknown[]) => void): ResilientPromise<T>;
  off(event: string, listener: (...args: unknown[]) => void): ResilientPromise<T>;
}

function parseBody(response: Response, type: BodyType, options: Options): unknown {
  // got 15+ hands `rawBody` over as a plain Uint8Array (got 14: a Buffer), whose toString() lists
  // the bytes; a Buffer view over the same memory decodes (and returns) the same way under both.
  const body = response.rawBody as Uint8Array;
  const raw = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (type === 'buffer') return raw;
  const text = raw.toString(options.encoding ?? 'utf8');
  if (type === 'text') return text;
  if (raw.length === 0) return '';
  try {
    return options.parseJson(text);
  } catch (error) {
    throw new ParseError(error as Error, response);
  }
}

const ACCEPT_OK: ReadonlySet<Decision['action']> = new Set(['ok']);

/**
 * Runs one promise-API call under the engine: the first try is the request got built for the call
 * (`next`), each later try a fresh got request (got's own retry off); the engine's decision on
 * every response or network error is carried out.
 */
export function resilientPromise(
  setup: ResilienceSetup,
  options: Options,
  requestSignal: AbortSignal | undefined,
  next: Parameters<HandlerFunction>[1],
): ResilientPromise<unknown> {
  const listeners: EventListenerPair[] = [];
  let accepted: Response | undefined;
  let acceptedBody: { type: BodyType; value: unknown } | undefined;
  // The caller's request before the first try rewrote `options` in place (retries start from it).
  let caller: CallerRequest | undefined;
  // got's own HTTPError and ParseError quote the full URL (a `?api_key=` with it): raise a
  // VendorError instead, which scrubs the message and carries a sanitized copy as its cause.
  let ended: { context: CallContext; decision: Decision; tries: number } | undefined;
  const parsed = (response: Response, type: BodyType): unknown => {
    if (acceptedBody?.type === type) return acceptedBody.value;
    try {
      return parseBody(response, type, options);
    } catch (error) {
      if (!ended) throw error;
      const why = 'the response body is not valid JSON';
      throw ended.context.failure(endedDecision(ended.decision, why), ended.tries, response.statusCode, {
        cause: error,
      });
    }
  };
  const run = async (): Promise<unknown> => {
    // Let `.json()` (called right after got(...)) set its Accept header before the first try.
    await Promise.resolve();
    const context = new CallContext(
      setup,
      combinedSignal(setup.options.signal, requestSignal ?? (options.signal as AbortSignal | undefined)),
      requestCredentials(options),
    );
    // The first try rewrites these on `options`: what the caller asked for is read first.
    const { responseType, resolveBodyOnly, throwHttpErrors } = options;
    const streamBody = hasStreamBody(options);
    const start = (n: number): TryPromise => {
      if (n > 1) return startTry(attemptOptions(options, context, n, 'submit', false, caller)) as TryPromise;
      caller = firstTryOptions(options, context, 'submit', false);
      return next(options) as unknown as TryPromise;
    };
    const { result, decision, tries } = await runAttempts({
      context,
      phase: 'submit',
      accept: ACCEPT_OK,
      sendTry: (n) => sendTry(options, context, n, 'submit', listeners, () => start(n)),
      cannotResend: () => (streamBody ? STREAM_BODY_REASON : undefined),
    });
    const response = result.value;
    if (!response)
      throw context.failure(endedDecision(decision, 'there was no response to return'), tries, undefined);
    accepted = response;
    ended = { context, decision, tries };
    if (throwHttpErrors && !response.ok) {
      const why = `got does not accept status ${response.statusCode} as a result (throwHttpErrors)`;
      throw context.failure(endedDecision(decision, why), tries, response.statusCode, {
        cause: new HTTPError(response),
      });
    }
    const type = responseType as BodyType;
    response.body = parsed(response, type);
    // A string or the raw bytes can be handed out again; parsed JSON is parsed afresh per call, like got does.
    if (type !== 'json') acceptedBody = { type, value: response.body };
    return resolveBodyOnly ? response.body : response;
  };
  const promise = run() as ResilientPromise<unknown>;
  const shortcut = <R>(type: BodyType): Promise<R> => {
    if (type === 'json') {
      if (!('accept' in options.headers)) options.headers.accept = 'application/json';
      if (caller && !('accept' in caller.headers)) caller.headers.accept = 'application/json';
    }
    return promise.then(() => parsed(accepted as Response, type) as R);
  };
  promise.json = <J>() => shortcut<J>('json');
  promise.text = () => shortcut<string>('text');
  promise.buffer = () => shortcut<Buffer>('buffer');
  promise.on = (event, listener) => {
    listeners.push([event, listener]);
    return promise;
  };
  promise.off = (event, listener) => {
    const at = listeners.findIndex(([e, l]) => e === event && l === listener);
    if (at >= 0) listeners.splice(at, 1);
    return promise;
  };
  return promise;
}
