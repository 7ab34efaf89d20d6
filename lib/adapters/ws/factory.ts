import { createVendorEngine } from '../../core/default-engine.js';
import type { PacerLimits } from '../../pacing/types.js';
import { resolvePolicy, type PolicyInput } from '../../core/policy/user-policy.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import { resolveSettings, type OpenSessionOptions, type ResilientWebSocketOptions } from './options.js';
import { ResilientWebSocket } from './session.js';

/** Opens one resilient session; call it again for another session with the same settings. */
export type OpenResilientWebSocket = (options?: OpenSessionOptions) => ResilientWebSocket;

/**
 * A factory of WebSocket sessions for one vendor: each session looks like a `ws` WebSocket, and
 * asks the vendor's policy (through the engine) what to do about every error message, close code
 * and refused upgrade: reconnect after the decided wait with the setup replayed, or fail with a
 * `VendorError`. The policy is a built-in name, a policy file path, a document or a compiled policy.
 */
export function createResilientWebSocket(
  policy: PolicyInput,
  options: ResilientWebSocketOptions,
): OpenResilientWebSocket {
  new ArgumentCheck('createResilientWebSocket').policy('policy', policy);
  const settings = resolveSettings(options);
  const compiled = resolvePolicy(policy);
  const engine =
    options.engine ??
    createVendorEngine({
      policies: [compiled],
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
  const { pacing } = options;
  if (
    pacing !== undefined &&
    pacing !== false &&
    typeof (pacing as { pacer?: unknown } | null)?.pacer !== 'function'
  ) {
    throw new TypeError(
      'createResilientWebSocket: option "pacing" must come from createPacing(), or be false',
    );
  }
  // Without a pacing option the sessions share the process default (gate, learned rate, budget).
  const paced =
    pacing === false
      ? undefined
      : { pacing, clock: options.clock, limits: pacerLimits(compiled.limits), key: options.pacingKey };
  return (sessionOptions = {}) => {
    const check: ArgumentCheck = new ArgumentCheck('open');
    check.options('options', sessionOptions);
    check.signal('options.signal', sessionOptions.signal);
    return new ResilientWebSocket({
      vendor: compiled.vendor,
      engine,
      settings,
      signals: [options.signal, sessionOptions.signal].filter((s): s is AbortSignal => s !== undefined),
      ...(paced ? { pacing: paced } : {}),
    });
  };
}

/** The policy's limits as a pacer takes them: only the fields the policy sets. */
function pacerLimits(limits: {
  requestsPerMinute: number | undefined;
  maxConcurrent: number | undefined;
}): PacerLimits {
  const out: PacerLimits = {};
  if (limits.requestsPerMinute !== undefined) out.requestsPerMinute = limits.requestsPerMinute;
  if (limits.maxConcurrent !== undefined) out.maxConcurrent = limits.maxConcurrent;
  return out;
}
