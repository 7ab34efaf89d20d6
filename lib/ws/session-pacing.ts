import type { Decision } from '../engine/types.js';
import type { Clock } from '../engine/types.js';
import type { PacingOption } from '../limit/default-pacing.js';
import type { PacerLimits } from '../limit/types.js';
import type { ConnectionTarget } from './connection-target.js';
import { credentialsIn } from '../errors/redact.js';

/** What a paced session needs to get its pacer (the factory resolves it once for all its sessions). */
export interface SessionPacing {
  /** The factory's `pacing` option: yours, or `undefined` for the process default. */
  pacing: Exclude<PacingOption, false>;
  /** The factory's own `clock` option (the default pacing runs on it). */
  clock?: Clock | undefined;
  /** The policy's documented limits, undefined fields left out (applied by your pacing only). */
  limits: PacerLimits;
  /** The caller's stable credential for pacing, when given (`pacingKey`). */
  key?: string | undefined;
}

/** The policy's limits as a pacer takes them: only the fields the policy sets. */
export function pacerLimits(limits: {
  requestsPerMinute: number | undefined;
  maxConcurrent: number | undefined;
}): PacerLimits {
  const out: PacerLimits = {};
  if (limits.requestsPerMinute !== undefined) out.requestsPerMinute = limits.requestsPerMinute;
  if (limits.maxConcurrent !== undefined) out.maxConcurrent = limits.maxConcurrent;
  return out;
}

/**
 * The credential that picks the session's pacer (vendors limit per API key): the first one on
 * the first connection's URL or headers, else the first one the caller named in `secrets`.
 */
export function sessionCredential(target: ConnectionTarget, named: readonly string[]): string | undefined {
  return credentialsIn(target.url, target.headers)[0] ?? named[0];
}

/** The success a session reports to its pacer once per connection that is set up and ready. */
export function connectedDecision(vendor: string): Decision {
  return {
    action: 'ok',
    category: 'ok',
    delayMs: 0,
    delaySource: 'none',
    rule: `${vendor}#ws-connected`,
    reason: 'The WebSocket connection was set up and is ready.',
  };
}
