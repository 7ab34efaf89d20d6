import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { SIMULATOR_ENDPOINTS, type SimulatorEndpoint, type VendorName } from './endpoints.js';
import type { FaultPlan } from './fault-plan.js';
import { checkPlanForVendor, parseFaultPlan } from './fault-plan-parse.js';
import {
  FaultScheduler,
  type AdmissionVerdict,
  type FaultFiring,
  type FaultTarget,
} from './fault-scheduler.js';
import { gateReply, rejectUpgrade } from './gate-reply.js';
import { HttpReplier } from './http-replier.js';
import { JobStore } from './job-store.js';
import { RequestLog, type RecordedRequest } from './request-log.js';
import { readRequestBody } from './request-body.js';
import type { HttpContext } from './vendor-contract.js';
import { createVendorModule } from './vendors/index.js';
import { WsSession } from './ws-session.js';
import { importWithPeer } from '../run/optional-peer.js';
import { ArgumentCheck } from '../run/validate-arguments.js';
import { timeSourceOf } from '../run/time-source.js';
import type { Clock } from '../core/engine/types.js';

/** Options for {@link startVendorSimulator}. */
export interface VendorSimulatorOptions {
  /** Which vendor to impersonate. */
  vendor: VendorName;
  /** Failures to schedule (default: none). Validated; a bad plan throws `FaultPlanError`. */
  faultPlan?: FaultPlan<SimulatorEndpoint> | undefined;
  /**
   * Time for windows, buckets, poll intervals, latency faults and the log (default the system
   * clock). Give it the adapters' manual clock and a latency fault waits on that clock too.
   */
  clock?: Clock | undefined;
  /** Credential the vendor requires; when unset any credential (or none) is accepted. */
  apiKey?: string | undefined;
  /** Accepted polls before an async job is terminal (default 2: first poll sees it running). */
  pollsUntilDone?: number | undefined;
  /** ZenHire: minimum simulator-clock ms between two polls of one id (default 10 000; 0 disables). */
  minPollIntervalMs?: number | undefined;
}

/** A running fake vendor on a loopback port. */
export interface VendorSimulator {
  /** The vendor it impersonates. */
  readonly vendor: VendorName;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string;
  /** The port it listens on. */
  readonly port: number;
  /** Every request and connection seen so far, in arrival order (credentials redacted). */
  requests(): readonly RecordedRequest<SimulatorEndpoint>[];
  /** Every time a fault fired, in order. */
  faultFirings(): readonly FaultFiring<SimulatorEndpoint>[];
  /** Replaces the fault plan; counters, buckets and the warm-up origin start afresh. */
  setFaultPlan(plan: FaultPlan<SimulatorEndpoint>): void;
  /** Stops the servers, cuts open sockets and ends pending latency waits. */
  close(): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** Starts a fake vendor (HTTP and WebSocket on one port, port chosen by the OS) speaking its documented protocol. */
export async function startVendorSimulator(options: VendorSimulatorOptions): Promise<VendorSimulator> {
  const check: ArgumentCheck = new ArgumentCheck('startVendorSimulator');
  check.object('options', options, 'an options object with at least `vendor`');
  // options.vendor is checked by name where the vendor is made (its message lists the vendors).
  check.clock('options.clock', options.clock);
  check.string('options.apiKey', options.apiKey);
  check.number('options.pollsUntilDone', options.pollsUntilDone, { min: 0, integer: true });
  check.number('options.minPollIntervalMs', options.minPollIntervalMs, { min: 0 });
  const clock = timeSourceOf(options.clock);
  const log = new RequestLog<SimulatorEndpoint>(clock, options.apiKey === undefined ? [] : [options.apiKey]);
  let baseUrl = '';
  const vendor = createVendorModule(options.vendor, {
    clock,
    apiKey: options.apiKey,
    baseUrl: () => baseUrl,
    jobs: new JobStore(options.pollsUntilDone ?? 2, clock),
    minPollIntervalMs: options.minPollIntervalMs ?? 10_000,
  });
  // Validated against the vendor too: a fault that could never fire here is a mistake in the plan.
  const planFor = (plan: FaultPlan<SimulatorEndpoint>): FaultPlan<SimulatorEndpoint> => {
    const parsed = parseFaultPlan(plan);
    checkPlanForVendor(parsed, options.vendor);
    return parsed;
  };
  let scheduler = new FaultScheduler(planFor(options.faultPlan ?? { faults: [] }), clock, clock.now());
  const sockets = new Set<Socket>();
  let closed = false;
  const closing = new AbortController();

  // A latency fault is a wait on the simulator's time (a manual clock's too: an auto-advancing one
  // moves to it, as the request awaits it); close() ends it.
  const delay = (delayMs: number): Promise<void> =>
    clock.sleep(delayMs, { signal: closing.signal }).catch(() => undefined);

  /** Waits out the verdict's latency; undefined when the simulator closed meanwhile. */
  const hold = async (
    verdict: AdmissionVerdict,
    entry: RecordedRequest<SimulatorEndpoint>,
  ): Promise<AdmissionVerdict | undefined> => {
    if (verdict.delayMs > 0) {
      entry.faults.push('latency');
      await delay(verdict.delayMs);
    }
    return closed ? undefined : verdict;
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req, baseUrl);
    const route = url && vendor.httpRoutes.find((r) => r.method === req.method && r.path.test(url.pathname));
    const entry = log.begin('http', route?.endpoint, req);
    const target = route ? targetOf(route.endpoint) : undefined;
    // Decided on arrival, not once the body is in: faults count requests in the order they came (the
    // log's order), whatever the order their bodies finish in.
    const decided = target && scheduler.admit(target);
    const { body, totalBytes } = await readRequestBody(req);
    entry.bodyBytes = totalBytes;
    const claimDrop = () => (target ? scheduler.claim('drop', target) : undefined);
    const reply = new HttpReplier(res, log, entry, claimDrop, vendor.commonHeaders?.());
    if (!url || !route || !target || !decided) return reply.send(vendor.errorReply('not-found', {}));
    const verdict = await hold(decided, entry);
    if (!verdict) return;
    if (verdict.gate) {
      entry.faults.push(verdict.gate.fault.kind);
      if (verdict.gate.fault.kind === 'drop') return reply.dropBeforeResponse();
      return reply.send(gateReply(vendor, verdict.gate.fault, verdict.gate.retryAfterSeconds));
    }
    const params = route.path.exec(url.pathname)?.slice(1) ?? [];
    const claim: HttpContext['claim'] = (kind) => {
      const fault = scheduler.claim(kind, target);
      if (fault && kind === 'job-failure') entry.faults.push(kind);
      return fault;
    };
    try {
      route.handle({ url, params, headers: req.headers, body, reply, target, claim });
    } catch (error) {
      // A simulator bug must surface as an answer, not as a hung request.
      if (!res.headersSent) reply.send(vendor.errorReply('error', { status: 500, message: String(error) }));
      else res.destroy();
    }
  };

  const onUpgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    const url = requestUrl(req, baseUrl);
    const route = url && vendor.wsRoutes.find((r) => r.path === url.pathname);
    const entry = log.begin('ws', route?.endpoint, req);
    if (!url || !route) {
      rejectUpgrade(socket, vendor.errorReply('not-found', {}));
      return log.finish(entry, 'upgrade-rejected', 404);
    }
    const target = targetOf(route.endpoint);
    const verdict = await hold(scheduler.admit(target), entry);
    if (!verdict) return void socket.destroy();
    if (verdict.gate) {
      const fault = verdict.gate.fault;
      entry.faults.push(fault.kind);
      if (fault.kind === 'drop') {
        socket.destroy();
        return log.finish(entry, 'dropped-before-response');
      }
      const reply = gateReply(vendor, fault, verdict.gate.retryAfterSeconds);
      rejectUpgrade(socket, reply);
      return log.finish(entry, 'upgrade-rejected', reply.status, reply.code);
    }
    // A vendor with WebSocket routes has a server (see `wss` below); this keeps the type honest.
    if (!wss) return void socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      log.finish(entry, 'ws-open', 101);
      const session = new WsSession(ws, log, entry, vendor.wsErrorMessage);
      route.handle(session, { url, headers: req.headers });
      // Claimed only for a session the vendor kept open: one it refused (a wrong key) must not use them up.
      if (!session.isOpen) return;
      session.start({ wsError: scheduler.claim('ws-error', target), drop: scheduler.claim('drop', target) });
    });
  };

  const server = createServer((req, res) => void onRequest(req, res));
  // `ws` is an optional peer: loaded only for a vendor that serves WebSockets, so an HTTP-only
  // simulator (zenhire, breeze) runs without it.
  const wss = vendor.wsRoutes.length > 0 ? await startWebSocketServer() : undefined;
  server.on(
    'upgrade',
    (req: IncomingMessage, socket: Duplex, head: Buffer) => void onUpgrade(req, socket, head),
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${LOOPBACK}:${port}`;

  return {
    vendor: options.vendor,
    url: baseUrl,
    wsUrl: `ws://${LOOPBACK}:${port}`,
    port,
    requests: () => log.list(),
    faultFirings: () => scheduler.firings.map((firing) => ({ ...firing })),
    setFaultPlan(plan: FaultPlan<SimulatorEndpoint>): void {
      scheduler = new FaultScheduler(planFor(plan), clock, clock.now());
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      closing.abort();
      if (wss) {
        for (const client of wss.clients) client.terminate();
        wss.close();
      }
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request's URL; undefined for a request-target no URL parser accepts (answered as an unknown route). */
function requestUrl(req: IncomingMessage, baseUrl: string): URL | undefined {
  return URL.canParse(req.url ?? '/', baseUrl) ? new URL(req.url ?? '/', baseUrl) : undefined;
}

function targetOf(endpoint: SimulatorEndpoint): FaultTarget<SimulatorEndpoint> {
  const { transport, phase } = SIMULATOR_ENDPOINTS[endpoint];
  return { endpoint, transport, phase };
}

/** A WebSocket server for upgrades the HTTP server hands over; says to install `ws` when it is missing. */
async function startWebSocketServer(): Promise<WebSocketServer> {
  const { WebSocketServer } = await importWithPeer('vendor-resilience/testing', 'ws', () => import('ws'));
  return new WebSocketServer({ noServer: true });
}
