import type { RawData } from 'ws';
import { redactUrl } from '../errors/redact.js';
import type { ConnectionEnd } from './connection.js';
import { resolveConnectionTarget, type ConnectionTarget } from './connection-target.js';
import { LiveConnection } from './live-connection.js';
import { setupToData } from './outgoing-data.js';
import { credentialsIn } from '../errors/redact.js';
import { SessionCore } from './session-core.js';
import type { ConnectionContext } from './types.js';
import { textOf } from './wire-signal.js';

/**
 * The layer of a session that brings one connection up: its URL and headers, the socket, the
 * setup, the ready message, then the held messages; and that reads what the server sends on it.
 * How a connection ends, and what comes after, is the layer above's business (`onEnd`), as
 * is reporting a connection that is up to pacing (`recordConnected`).
 */
export abstract class ConnectionStages extends SessionCore {
  /** `open` fires once per session; every later activation is a `reconnected`. */
  private everOpened = false;

  /** A connection has ended (refused, failed, or closed by either side). */
  protected abstract onEnd(live: LiveConnection, end: ConnectionEnd): void;

  /** A connection is set up and ready (called once per connection, after `state` is `open`). */
  protected abstract recordConnected(): void;

  /** Calls the URL and header callbacks for one connection; on failure the session fails. */
  protected async prepareTarget(context: ConnectionContext): Promise<ConnectionTarget | undefined> {
    try {
      const target = await resolveConnectionTarget(this.init.settings, context);
      // Minted URLs and headers may carry fresh tokens: no later error may reveal them.
      this.secrets.add(credentialsIn(target.url, target.headers));
      return target;
    } catch (error) {
      if (this.state === 'connecting')
        this.failWith(`could not prepare connection ${context.connection}`, error);
      return undefined;
    }
  }

  /**
   * Opens one connection (minting its URL and headers unless `prepared`). Never rejects; resolves
   * once the connection is open, has ended, or the session has closed (which disposes it silently).
   * Pacing holds its slot until then, so it must resolve on each of those, and only then.
   */
  protected async attemptConnection(
    context: ConnectionContext,
    prepared: ConnectionTarget | undefined,
  ): Promise<void> {
    const target = prepared ?? (await this.prepareTarget(context));
    if (target === undefined || this.state !== 'connecting') return;
    this.currentUrl = redactUrl(target.url);
    const lifetime = this.lifetime.signal;
    if (lifetime.aborted) return;
    await new Promise<void>((settled) => {
      const done = (): void => {
        lifetime.removeEventListener('abort', done);
        settled();
      };
      lifetime.addEventListener('abort', done, { once: true });
      try {
        const live: LiveConnection = new LiveConnection(
          context,
          target,
          this.init.settings,
          this.binaryTypeValue,
          {
            // ws reports nothing synchronously, so `live` is assigned before any of these run.
            open: () => {
              done();
              void this.onOpen(live);
            },
            message: (data, isBinary) => this.onMessage(live, data, isBinary),
            end: (end) => {
              done();
              this.onEnd(live, end);
            },
          },
        );
        this.live = live;
      } catch (error) {
        done();
        this.failWith(`could not open connection ${context.connection}`, error);
      }
    });
  }

  /** The socket is open: send the setup, then activate if nothing more is awaited. */
  private async onOpen(live: LiveConnection): Promise<void> {
    let setup;
    try {
      setup = await this.init.settings.setup?.(live.context);
    } catch (error) {
      if (this.live === live && this.state === 'connecting')
        this.failWith('the setup callback failed', error);
      return;
    }
    // The setup callback may be slow: the connection may have ended or the session closed meanwhile.
    if (this.live !== live || this.state !== 'connecting' || !live.connection.writable) return;
    // The vendor needs the setup before anything else on every connection (Gradium closes otherwise).
    if (setup !== undefined) live.connection.send(setupToData(setup));
    live.setupSent = true;
    this.activateWhenReady(live);
  }

  /** Once setup is out (and the ready message in, when required): flush held messages and go open. */
  private activateWhenReady(live: LiveConnection): void {
    if (this.state !== 'connecting' || !live.canActivate(this.init.settings.isReady !== undefined)) return;
    live.markActive(this.init.settings.clock.now());
    const held = this.outbox.takeForConnection();
    for (const data of held) live.connection.send(data);
    this.state = 'open';
    this.recordConnected();
    if (!this.everOpened) {
      this.everOpened = true;
      this.emit('open');
    } else {
      this.emit('reconnected', { connection: live.context.connection, flushedMessages: held.length });
    }
  }

  /** Every text message goes to the engine first: vendors report errors in-band before closing. */
  private onMessage(live: LiveConnection, data: RawData, isBinary: boolean): void {
    const text = isBinary ? undefined : textOf(data);
    if (text !== undefined && this.state !== 'closing') {
      const decision = this.decide({
        vendor: this.init.vendor,
        transport: 'ws',
        attempt: this.attempt,
        message: text,
      });
      if (decision === undefined) return;
      if (decision.action !== 'ok') {
        // An error report: this connection is finished; act once the server closes it.
        live.reportError(text, this.init.settings.closeAfterErrorMs);
        return;
      }
    }
    const isReady = this.init.settings.isReady;
    if (isReady && !live.readySeen && isReady(text ?? data, isBinary)) {
      live.readySeen = true;
      this.activateWhenReady(live);
    }
    this.emit('message', data, isBinary);
  }
}
