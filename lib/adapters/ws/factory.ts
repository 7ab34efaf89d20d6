import { createVendorEngine } from '../../core/default-engine.js';
import { resolvePolicy, type PolicyInput } from '../../core/policy/user-policy.js';
import { createSetup } from '../../run/call-context.js';
import { ArgumentCheck } from '../../run/validate-arguments.js';
import { resolveSettings, type OpenSessionOptions, type ResilientWebSocketOptions } from './options.js';
import { ResilientWebSocket } from './session.js';
import { SharedAbort } from './shared-abort.js';

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
  // What the runner of lib/run runs every session on, as the HTTP adapter's calls: the engine
  // (always asked through its input check: a session reads whatever the server sends), pacing
  // (without the option the sessions share the process default: gate, learned rate, budget),
  // the time source, the named secrets, `onDecision` and `telemetry`. The deadline is the session's own
  // (options.ts), not a call deadline that would cut a connection that is up.
  const setup = createSetup(compiled, {
    engine,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(pacing === undefined ? {} : { pacing }),
    ...(options.onDecision ? { onDecision: options.onDecision } : {}),
    ...(options.telemetry ? { telemetry: options.telemetry } : {}),
    secrets: settings.secrets,
  });
  // One listener on the caller's signal for all the open sessions: one each would make Node warn of
  // a leak ("MaxListenersExceededWarning") once more than ten sessions are open.
  const factoryAbort = options.signal && new SharedAbort(options.signal);
  return (sessionOptions = {}) => {
    const check: ArgumentCheck = new ArgumentCheck('open');
    check.options('options', sessionOptions);
    check.signal('options.signal', sessionOptions.signal);
    const factorySignal = factoryAbort?.acquire();
    const session = new ResilientWebSocket({
      setup,
      settings,
      signals: [factorySignal, sessionOptions.signal].filter((s): s is AbortSignal => s !== undefined),
    });
    if (factoryAbort && factorySignal) void session.closed.then(() => factoryAbort.release(factorySignal));
    return session;
  };
}
