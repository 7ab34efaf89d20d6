import type { ExtendOptions, HandlerFunction, InitHook, Options } from 'got';
import { createSetup } from './call-context.js';
import { resilientPromise } from './got-promise.js';
import { resilientStream } from './got-stream.js';
import type { PolicyArgument, VendorResilienceOptions } from './options.js';

/**
 * Per-request `signal`s, taken out of the options before got sees them. got builds a request of its
 * own before it calls the handlers, and (got 14) starts listening to the signal there; the handler
 * may never run that request (a stream call, an abort before the first try), and a listener left on
 * the signal would reject a promise nobody awaits when it fires. The handler wires the signal
 * (adapter-level and per-request combined) to each try itself.
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
 * Its handler runs the first promise try on the request got built for the call and makes every
 * later try itself, so give it as the last extension that has handlers.
 */
export function vendorResilience(
  policy: PolicyArgument,
  options: VendorResilienceOptions = {},
): ExtendOptions {
  const setup = createSetup(policy, options);
  const handler = ((normalized, next) => {
    const signal = requestSignals.get(normalized);
    return normalized.isStream
      ? resilientStream(setup, normalized, signal)
      : resilientPromise(setup, normalized, signal, next);
  }) as HandlerFunction;
  return { retry: { limit: 0 }, hooks: { init: [takeRequestSignal] }, handlers: [handler] };
}
