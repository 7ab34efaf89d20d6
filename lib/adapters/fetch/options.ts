import { checkResilienceOptions, type ResilienceOptions } from '../../run/run-options.js';
import type { ArgumentCheck } from '../../run/validate-arguments.js';

/** What fetch takes as its first argument (the DOM's `RequestInfo | URL`). */
export type FetchInput = string | URL | Request;

/** The `fetch` signature: what `resilientFetch` takes as `options.fetch` and returns. */
export type FetchFunction = (input: FetchInput, init?: RequestInit) => Promise<Response>;

/** Largest `Request` body held in memory so that a try can be sent again (1 MiB), unless `maxReplayBodyBytes` says otherwise. */
export const DEFAULT_MAX_REPLAY_BODY_BYTES = 1024 * 1024;

/** Options of `resilientFetch`: the shared ones (pacing, clock, deadline, hooks) plus the fetch to wrap. */
export interface ResilientFetchOptions extends ResilienceOptions {
  /** The fetch each try is sent with (`globalThis.fetch` by default, read at each call). */
  fetch?: FetchFunction | undefined;
  /**
   * True (the default): a call the engine ends (`fail`, or a retry whose budget, cap or deadline
   * ran out) rejects with a `VendorError` whose `response` is the last Response. False: it
   * resolves with that Response instead, as plain fetch would (transport failures, deadlines
   * passed mid-try and aborts still reject).
   */
  throwOnFail?: boolean | undefined;
  /**
   * Largest `Request` body, in bytes, held in memory so a try can be sent again (a `Request`'s body
   * can be read once); a larger one is sent once, and a retry the engine asks for fails the call
   * instead. An `init.body` that is a stream (a `ReadableStream`, or an async iterable such as a
   * Node `Readable`) is always sent once; any other `init.body` with a URL is passed on at every
   * try (fetch reads it afresh).
   */
  maxReplayBodyBytes?: number | undefined;
}

/**
 * Checks the arguments of `resilientFetch` (or of `fn`, which takes the same options) up front: a
 * wrong value from JavaScript is a `TypeError` naming the option. The check goes on with the rest.
 */
export function checkFetchArguments(policy: unknown, options: unknown, fn = 'resilientFetch'): ArgumentCheck {
  const check: ArgumentCheck = checkResilienceOptions(fn, policy, options);
  if (options === undefined) return check;
  const record = options as Record<string, unknown>;
  check.function('options.fetch', record['fetch']);
  check.boolean('options.throwOnFail', record['throwOnFail']);
  const max = record['maxReplayBodyBytes'];
  check.that(
    max === undefined || (typeof max === 'number' && Number.isInteger(max) && max >= 0),
    'options.maxReplayBodyBytes',
    'a whole number of bytes (0 or more) or undefined',
    max,
  );
  return check;
}
