import type { CompiledPolicy } from '../policy/compiled.js';
import { readFacts } from './facts.js';
import type { Signal } from './types.js';

/** Longest vendor message an error carries; a vendor may put a whole document in its message field. */
const MAX_VENDOR_MESSAGE_CHARS = 500;

/**
 * The vendor's own words about a signal, read through the policy's envelopes (`detail`, `error.message`, …):
 * for an error report the user sees what the vendor said, not only the policy's sentence. When no
 * envelope names a message, a short text body is taken as it is (Gradium's `error from server …`
 * prefix, a proxy's page). Bounded to {@link MAX_VENDOR_MESSAGE_CHARS}; never throws.
 */
export function vendorMessage(policy: CompiledPolicy, signal: Signal): string | undefined {
  let text = readFacts(policy, signal).obs?.message;
  if (text === undefined) {
    const raw = signal.message ?? signal.streamLine ?? signal.body;
    // A body that is JSON but names no message field says nothing in words.
    if (raw === undefined || /^\s*[[{]/.test(raw)) return undefined;
    text = raw;
  }
  text = text.trim();
  if (text === '') return undefined;
  return text.length > MAX_VENDOR_MESSAGE_CHARS ? `${text.slice(0, MAX_VENDOR_MESSAGE_CHARS)}…` : text;
}
