import type { ExtendOptions, HandlerFunction } from 'got';
import { createSetup } from './call-context.js';
import { resilientPromise } from './got-promise.js';
import { resilientStream } from './got-stream.js';
import type { PolicyArgument, VendorResilienceOptions } from './options.js';

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
  const handler = ((normalized, _next) =>
    normalized.isStream
      ? resilientStream(setup, normalized)
      : resilientPromise(setup, normalized)) as HandlerFunction;
  return { retry: { limit: 0 }, handlers: [handler] };
}
