import type { ExtendOptions, HandlerFunction, InitHook, Options } from 'got';
import { createSetup } from './call-context.js';
import { resilientPromise } from './got-promise.js';
import { resilientStream } from './got-stream.js';
import type { PolicyArgument, VendorResilienceOptions } from './options.js';

/**
 * Per-request `signal`s, taken out of the options before got sees them. got builds a request of its
 * own before it calls the handlers; the handler never runs it, but a signal in its options would
 * keep that request listening: its listener stays on the signal after the call, and an abort then
 * rejects a promise nobody awaits (an unhandled rejection per call). The handler uses the signal.
 */
const requestSignals = new WeakMap<Options, AbortSignal>();

const takeRequestSignal: InitHook = (init, self) => {
  const raw = init as { signal?: unknown };
  if (raw.signal === undefined) return;
  requestSignals.set(self, raw.signal as AbortSignal);
  delete raw.signal;
};

/**
 * got extend options that make every call of the extended instance follow a vendor's policy:
 * `got.extend(vendorResilience('zenhire', { signal, deadlineMs, onDecision }))`. got's own retry is
 * switched off; each response and network error goes to the engine, whose decision is carried
 * out (`retry`/`backoff`/`poll`: wait `delayMs` and send again; `fail`: throw a `VendorError`).
 * Its handler makes every try itself, so give it as the last extension that has handlers.
 */
export function vendorResilience(
  policy: PolicyArgument,
  options: VendorResilienceOptions = {},
): ExtendOptions {
  const setup = createSetup(policy, options);
  const handler = ((normalized, _next) => {
    const signal = requestSignals.get(normalized);
    return normalized.isStream
      ? resilientStream(setup, normalized, signal)
      : resilientPromise(setup, normalized, signal);
  }) as HandlerFunction;
  return { retry: { limit: 0 }, hooks: { init: [takeRequestSignal] }, handlers: [handler] };
}
