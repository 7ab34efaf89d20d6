import type { ExtendOptions, HandlerFunction, InitHook } from 'got';
import { combinedSignal } from '../../run/combined-signal.js';
import { createSetup } from '../../run/call-context.js';
import { GotCall, noteLimitSetPerCall } from './got-call.js';
import type { PolicyArgument, VendorResilienceOptions } from './options.js';
import { checkResilienceOptions } from '../../run/run-options.js';

/**
 * got extend options that make every call of the extended instance follow a vendor's policy:
 * `got.extend(vendorResilience('zenhire', { signal, deadlineMs, onDecision }))`. The call stays
 * got's own (its promise or stream, hooks, errors, pagination); what changes is got's retry: the
 * engine decides on every error response and network error whether got sends again and after
 * which wait (`retry`/`backoff`/`poll`), or got raises its error (`fail`) with the decision added
 * ({@link isVendorError}). A `retry.limit` you set (in any `got.extend`, before or after this one, or
 * per call) still caps resends; the policy's caps apply below it. got's default limit (2) does not.
 */
export function vendorResilience(
  policy: PolicyArgument,
  options: VendorResilienceOptions = {},
): ExtendOptions {
  checkResilienceOptions('vendorResilience', policy, options);
  const setup = createSetup(policy, options);
  const adapterSignal = options.signal;
  // The adapter-level signal and a per-request one both cancel the call (got alone keeps only the latter).
  const combineSignals: InitHook = (init) => {
    const raw = init as { signal?: unknown };
    if (adapterSignal === undefined || raw.signal === undefined || raw.signal === adapterSignal) return;
    raw.signal = combinedSignal(adapterSignal, raw.signal as AbortSignal);
  };
  const handler = ((normalized, next) => {
    // got calls handlers without options when the caller's arguments were invalid: got reports that.
    if (normalized === undefined) return next(normalized);
    const call = new GotCall(setup, normalized);
    let returned: ReturnType<typeof next>;
    try {
      returned = next(normalized);
    } catch (error) {
      call.abandon();
      throw error;
    }
    call.watch(returned as Parameters<GotCall['watch']>[0], normalized.isStream);
    return returned;
  }) as HandlerFunction;
  return {
    // got asks `calculateDelay` about every error (POST and 4xx too); the engine decides. No `limit`
    // here: it would replace one you set in an earlier `got.extend` (each call lifts got's own default
    // instead, see GotCall).
    retry: { enforceRetryRules: false },
    ...(adapterSignal === undefined ? {} : { signal: adapterSignal }),
    // noteLimitSetPerCall: a retry.limit in the call's own options is yours even at got's default (2).
    hooks: {
      init: adapterSignal === undefined ? [noteLimitSetPerCall] : [noteLimitSetPerCall, combineSignals],
    },
    handlers: [handler],
  };
}
