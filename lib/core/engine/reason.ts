import type { Facts } from './facts.js';
import type { Action, Decision } from './types.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';

/** Longest vendor-supplied token (code, network error) quoted in a reason. */
const MAX_QUOTED_CHARS = 64;

/** Control characters (C0, DEL, C1) and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Vendor-supplied text made safe to quote in a one-line reason: control characters (newlines
 * could forge log lines) become spaces, and long values are cut.
 */
export function printable(text: string): string {
  const flat = text.replace(UNPRINTABLE, ' ');
  return flat.length > MAX_QUOTED_CHARS ? `${flat.slice(0, MAX_QUOTED_CHARS)}…` : flat;
}

/** Formats a duration for people: `850 ms`, `1.5 s`, `30 s`, `17.5 min`. */
export function formatMs(ms: number): string {
  if (typeof ms !== 'number') throw new ArgumentCheck('formatMs').error('ms', 'a number of milliseconds', ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  return `${Number((ms / 60_000).toFixed(1))} min`;
}

/** The closing part of a signal's description, for the transport and phase. */
function where(facts: Facts): string {
  return facts.transport === 'ws' ? ' (ws)' : ` (http ${facts.phase})`;
}

/** `zenhire 429 POLL_RATE_LIMITED (poll)`: what the signal was, without any payload text. */
export function describeSignal(vendor: string, facts: Facts, code: string | undefined): string {
  let what = vendor;
  if (facts.status !== undefined) what += ` ${facts.status}`;
  if (facts.closeCode !== undefined && code !== String(facts.closeCode)) what += ` close ${facts.closeCode}`;
  if (facts.error !== undefined && facts.status === undefined) what += ` ${printable(facts.error)}`;
  if (code !== undefined) what += ` ${printable(code)}`;
  if (facts.obs?.jobStatus !== undefined && code === undefined)
    what += ` job ${printable(facts.obs.jobStatus)}`;
  return what + where(facts);
}

/** The actions that wait before their next step. */
export type WaitAction = Exclude<Action, 'ok' | 'fail'>;

/** The end of a reason that has nothing to wait for. */
export const DONE_STEP: Readonly<Record<'ok' | 'fail', string>> = {
  ok: 'carry on.',
  fail: 'fail now: retrying cannot help.',
};

/** The fixed words around the wait at the end of a reason: `<lead><wait> (<how>[, attempt N of M]<trail>`. */
export interface StepWords {
  lead: string;
  trail: string;
}

/** The closing words of each waiting action's reason, for one vendor. */
export function stepWords(vendor: string): Readonly<Record<WaitAction, StepWords>> {
  return {
    retry: { lead: 'send it again in ', trail: ').' },
    backoff: { lead: 'wait ', trail: `) and hold back every request to ${vendor} meanwhile.` },
    poll: { lead: 'ask about the same job again in ', trail: '); polls do not use up attempts.' },
    resubmit: { lead: 'submit a fresh job in ', trail: ').' },
    reconnect: { lead: 'open a new connection in ', trail: ') and replay the session setup.' },
  };
}

/**
 * A `backoff` decision restated for a call that nothing paces (`pacing: false`): the engine's
 * reason asks to hold back every request to the vendor, which is true only where a gate does it.
 */
export function unpacedBackoff(decision: Decision, vendor: string): Decision {
  const trail = stepWords(vendor).backoff.trail;
  if (decision.action !== 'backoff' || !decision.reason.endsWith(trail)) return decision;
  return {
    ...decision,
    reason: `${decision.reason.slice(0, -trail.length)}); only this call waits: pacing is off, so other requests to ${vendor} are not held back.`,
  };
}

/** The end of a reason that waits: `send it again in 1.5 s (computed backoff, attempt 1 of 4).` */
export function waitStep(
  words: StepWords,
  delayMs: number,
  /** Where the wait came from, for people ("as the Retry-After header asked", "computed backoff"). */
  how: string,
  attempt: number,
  maxAttempts: number | undefined,
): string {
  const attempts = maxAttempts === undefined ? '' : `, attempt ${attempt} of ${maxAttempts}`;
  return `${words.lead}${formatMs(delayMs)} (${how}${attempts}${words.trail}`;
}
