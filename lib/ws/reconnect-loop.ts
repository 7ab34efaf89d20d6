import type { Action, Decision } from '../engine/types.js';
import type { VendorPacer } from '../limit/vendor-pacer.js';
import { isVendorError, VendorError } from '../errors/vendor-error.js';
import type { ConnectionEnd } from './connection.js';
import type { ConnectionTarget } from './connection-target.js';
import { ConnectionStages } from './connection-stages.js';
import type { LiveConnection } from './live-connection.js';
import { unpacedBackoff } from '../engine/reason.js';
import { pacerFor } from '../limit/default-pacing.js';
import type { PacerRequest } from '../limit/pacing.js';
import { connectedDecision, sessionCredential } from './session-pacing.js';
import type { ConnectionContext } from './types.js';
import { signalForEnd } from './wire-signal.js';

/** Decisions that mean "open a new connection after the decided wait" on a WebSocket. */
const RECONNECTING_ACTIONS: ReadonlySet<Action> = new Set(['reconnect', 'retry', 'backoff']);

/**
 * The layer of a session that runs between connections: it starts each connection (through the
 * session's pacer when connections are paced), asks the engine about how each one ended, and
 * reconnects after the decided wait or gives up. All of the session's pacing lives here, so that
 * the pacer sees every attempt, every end's decision and every success exactly once.
 */
export abstract class ReconnectLoop extends ConnectionStages {
  /** The session's pacer, obtained once the first connection's credential is known. */
  /**
   * The session's pacer, got at its first paced connection (a dropped idle pacer forwards to its
   * successor, so it stays good for the session's life).
   */
  private pacer: VendorPacer | undefined;

  /** Starts the next connection: the first from the constructor, the others after a wait. */
  protected async connect(): Promise<void> {
    this.connections += 1;
    this.attempt += 1;
    this.state = 'connecting';
    const context: ConnectionContext = {
      connection: this.connections,
      attempt: this.attempt,
      reconnect: this.connections > 1,
      signal: this.lifetime.signal,
    };
    const paced = this.init.pacing;
    if (!paced) {
      void this.attemptConnection(context, undefined);
      return;
    }
    let target: ConnectionTarget | undefined;
    if (!this.pacer) {
      // Vendors limit per API key: the first connection's credential picks the session's pacer.
      target = await this.prepareTarget(context);
      if (target === undefined || this.state !== 'connecting') return;
      const request: PacerRequest = {
        vendor: this.init.vendor,
        limits: paced.limits,
        credential: paced.key ?? sessionCredential(target, this.init.settings.secrets),
      };
      try {
        this.pacer = pacerFor(paced.pacing, request, paced.clock);
      } catch (error) {
        this.failWith('pacing could not provide a pacer for this session', error);
        return;
      }
    }
    const pacer = this.pacer as VendorPacer;
    // The attempt holds its slot until the connection is open or has failed, not for the
    // session's life; a closed vendor gate holds it back, and close() (the lifetime signal) frees it.
    try {
      await pacer.schedule(() => this.attemptConnection(context, target), {
        signal: this.lifetime.signal,
      });
    } catch (error) {
      if (this.state === 'connecting') this.refusedByPacing(error, context);
    }
  }

  /** One success per connection set up (not per message) refills the vendor's retry budget. */
  protected override recordConnected(): void {
    void this.pacer?.record(connectedDecision(this.init.vendor)).catch(() => undefined);
  }

  /** Pacing would not let a connection start (Redis lost, pacing closed): the session fails. */
  private refusedByPacing(error: unknown, context: ConnectionContext): void {
    if (isVendorError(error)) {
      this.giveUp(error, error.decision, 1006, Buffer.alloc(0));
    } else {
      this.failWith(`pacing did not let connection ${context.connection} start`, error);
    }
  }

  /** Decides about a connection's end, through the pacer when paced, and acts on it. */
  protected override onEnd(live: LiveConnection, end: ConnectionEnd): void {
    live.settle();
    if (this.live === live) this.live = undefined;
    if (this.state === 'closing' || this.state === 'closed') {
      this.finish(end.code, end.reason, undefined);
      return;
    }
    const stable =
      live.activatedAtMs !== undefined &&
      this.init.settings.clock.now() - live.activatedAtMs >= this.init.settings.stableAfterMs;
    // A connection that stayed healthy long enough starts a fresh run of attempts.
    if (stable) this.attempt = 1;
    // The decision covers the server's error message too (the engine prefers the message's code),
    // so a failure is recorded with the pacer once, not once for the message and again for the close.
    const decision = this.decide(signalForEnd(this.init.vendor, this.attempt, end, live));
    if (decision === undefined) return;
    const pacer = this.pacer;
    if (!pacer) {
      this.actOnEnd(unpacedBackoff(decision, this.init.vendor), end);
      return;
    }
    // The gate, the adaptive limits and the retry budget see the decision before the session acts.
    this.state = 'waiting';
    // A connection that stayed healthy long enough (stableAfterMs) ended: reconnecting starts a
    // new run rather than retrying a failed attempt, so it takes no retry token (others still do).
    pacer.record(decision, { charge: !stable }).then(
      (recorded) => {
        if (this.state === 'waiting') this.actOnEnd(recorded, end);
      },
      (error: unknown) => {
        if (this.state === 'waiting') this.failWith('pacing could not record a decision', error);
      },
    );
  }

  /** Carries out the decision about how a connection ended. */
  private actOnEnd(decision: Decision, end: ConnectionEnd): void {
    if (decision.action === 'ok') {
      this.finish(end.code, end.reason, undefined);
    } else if (RECONNECTING_ACTIONS.has(decision.action)) {
      this.state = 'waiting';
      this.reconnectTimer = this.init.settings.scheduler.setTimeout(() => {
        this.reconnectTimer = undefined;
        void this.connect();
      }, decision.delayMs);
      this.emit('reconnecting', { attempt: this.attempt, decision, delayMs: decision.delayMs });
    } else {
      const error = new VendorError({
        vendor: this.init.vendor,
        decision,
        attempts: this.connections,
        ...(end.upgrade ? { status: end.upgrade.status } : {}),
        ...(end.error ? { cause: end.error } : {}),
        secrets: this.secrets.list(),
      });
      this.giveUp(error, decision, end.code, end.reason);
    }
  }
}
