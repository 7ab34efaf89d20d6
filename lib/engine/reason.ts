import type { Facts } from './facts.js';
import type { Action } from './types.js';

/** Longest vendor-supplied token (code, network error) quoted in a reason. */
const MAX_QUOTED_CHARS = 64;

/**
 * Vendor-supplied text made safe to quote in a one-line reason: control characters (newlines
 * could forge log lines) become spaces, and long values are cut.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ');
  return flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat;
}

/** Formats a duration for people: `850 ms`, `1.5 s`, `30 s`, `17.5 min`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/** `zenhire 429 POLL_RATE_LIMITED (poll)`: what the signal was, without any payload text. */
export function describeSignal(vendor: string, facts: Facts, code: string | undefined): string {
  const parts = [vendor];
  if (facts.status !== undefined) parts.push(String(facts.status));
  if (facts.closeCode !== undefined && code !== String(facts.closeCode))
    parts.push(`close ${facts.closeCode}`);
  if (facts.error !== undefined && facts.status === undefined) parts.push(printable(facts.error));
  if (code !== undefined) parts.push(printable(code));
  if (facts.obs?.jobStatus !== undefined && code === undefined)
    parts.push(`job ${printable(facts.obs.jobStatus)}`);
  return `${parts.join(' ')} (${facts.transport === 'ws' ? 'ws' : `http ${facts.phase}`})`;
}

/** What the caller should do next, as the second half of a reason. */
export function nextStep(
  action: Action,
  vendor: string,
  delayMs: number,
  /** Where the wait came from, for people ("as the Retry-After header asked", "computed backoff"). */
  how: string,
  attempt: number,
  maxAttempts: number | undefined,
): string {
  const of = maxAttempts === undefined ? '' : `, attempt ${attempt} of ${maxAttempts}`;
  const wait = `${formatMs(delayMs)} (${how}${of})`;
  switch (action) {
    case 'ok':
      return 'carry on';
    case 'fail':
      return 'fail now: retrying cannot help';
    case 'retry':
      return `send it again in ${wait}`;
    case 'backoff':
      return `wait ${wait} and hold back every request to ${vendor} meanwhile`;
    case 'poll':
      return `ask about the same job again in ${wait}; polls do not use up attempts`;
    case 'resubmit':
      return `submit a fresh job in ${wait}`;
    case 'reconnect':
      return `open a new connection in ${wait} and replay the session setup`;
  }
}
