import type { Got, OptionsInit } from 'got';
import type { JobPresetVendor, PresetJobInit } from '../lib/adapters/got/job-presets.js';
import type { Fault, VendorName } from '../lib/testing/index.js';

/** The two clients the demo compares. */
export type SideName = 'vendor-resilience' | 'baseline';

/** Both sides, in the order the tables show them. */
export const SIDE_NAMES: readonly SideName[] = ['vendor-resilience', 'baseline'];

/** A WebSocket session as the workload describes it; each side opens it its own way. */
export interface WsSessionSpec {
  url: string;
  headers: Record<string, string>;
  /** The session setup, sent first on every connection. */
  setup: Record<string, unknown>;
  /** The server message type that accepts the setup (messages after it wait for it), if any. */
  readyType?: string;
  /** What the client sends after the setup. */
  messages: readonly (string | Buffer)[];
  /** The server message type that carries the session's result. */
  resultType: string;
}

/** What the client-side code of one call can use: the same methods on both sides, different retry logic behind them. */
export interface SideClient {
  /** A got instance with this side's retry behaviour. */
  http: Got;
  /** Submits an async job and waits for its terminal state; resolves with the final status body. */
  runJob(vendor: JobPresetVendor, init: PresetJobInit): Promise<unknown>;
  /** Reads an NDJSON message stream to its end; resolves with every message. */
  readMessages(url: string, request: OptionsInit): Promise<unknown[]>;
  /** Runs a WebSocket session to its normal end; resolves with the result message. */
  runSession(spec: WsSessionSpec): Promise<unknown>;
}

/** Counters a side's client fills in while one call runs (what only the client can see). */
export interface ClientCounters {
  /** Resends after a transient failure with a computed wait. */
  retries: number;
  /** Resends after a wait the vendor asked for (429, warm-up, Retry-After). */
  backoffs: number;
}

/** Everything one call of a scenario gets. */
export interface ScenarioCall {
  /** Tag of the call, sent as `x-demo-call` so the simulator's log attributes every request to it. */
  callTag: string;
  /** The simulator's HTTP origin. */
  baseUrl: string;
  /** The simulator's WebSocket origin. */
  wsUrl: string;
  /** The credential header plus the call tag. */
  headers: Record<string, string>;
  /** The side's client. */
  client: SideClient;
}

/** One kind of call a vendor's users make, and the faults the vendor throws at it. */
export interface Scenario {
  /** Short stable id, unique within the vendor (`warm-up`). */
  id: string;
  /** What the call does and what goes wrong, for the output. */
  title: string;
  /** The fault plan the simulator runs while this scenario's calls are in flight. */
  faults: readonly Fault[];
  /** How many copies of the call run at once (default 1). */
  copies?: number;
  /** Part of the reduced workload (`--quick`, tests). */
  quick: boolean;
  /** Makes the call; resolves with a short description of what came back. */
  run(call: ScenarioCall): Promise<string>;
}

/** One vendor's part of the demo. */
export interface VendorWorkload {
  vendor: VendorName;
  /** The key the simulator requires. */
  apiKey: string;
  /** The vendor's credential header for that key. */
  credentialHeaders: Record<string, string>;
  scenarios: readonly Scenario[];
}

/** The header that tags each request with the call that sent it. */
export const CALL_TAG_HEADER = 'x-demo-call';
