/**
 * `vendor-resilience/testing`: a local fake of each supported vendor that fails exactly as documented,
 * driven by a fault plan, for testing integrations without real outages or credits.
 */
import type { SimulatorEndpoint } from './endpoints.js';
import type * as Plan from './fault-plan.js';
import type { FaultFiring as GenericFaultFiring } from './fault-scheduler.js';
import type { RecordedRequest as GenericRecordedRequest } from './request-log.js';

export { startVendorSimulator, type VendorSimulator, type VendorSimulatorOptions } from './simulator.js';
export { createManualClock, type ManualClock, type ManualClockOptions } from './clock.js';
export { resetDefaultPacing } from '../pacing/default-pacing.js';
export {
  SIMULATOR_ENDPOINTS,
  VENDOR_NAMES,
  type EndpointInfo,
  type SimulatorEndpoint,
  type VendorName,
} from './endpoints.js';
export type { SimulatorPhase, SimulatorTransport } from './endpoint-kinds.js';
export type { ErrorReplyFields, FaultKind } from './fault-plan.js';
export { FaultPlanError, loadFaultPlan, parseFaultPlan } from './fault-plan-parse.js';
export type { RecordedOutcome, RecordedWsMessage } from './request-log.js';

// The simulator's machinery types endpoint ids as plain strings (it sits below the registry of vendors,
// whence the precise union comes); users get the types below, with every endpoint id `SimulatorEndpoint`.

/** Which requests or connections a fault applies to; every given field must match (none given = all). */
export type FaultMatch = Plan.FaultMatch<SimulatorEndpoint>;
/** Scheduling fields every fault shares. */
export type FaultSchedule = Plan.FaultSchedule<SimulatorEndpoint>;
/** Token-bucket rate limit: beyond `burst` plus `tokensPerSecond`, answer 429 with the vendor's envelope. */
export type RateLimitFault = Plan.RateLimitFault<SimulatorEndpoint>;
/** 503 for a window of (simulator clock) time measured from the simulator's start. */
export type WarmUpFault = Plan.WarmUpFault<SimulatorEndpoint>;
/** An error answer by code (an "error burst" with `times`, or random with `probability`). */
export type ErrorFault = Plan.ErrorFault<SimulatorEndpoint>;
/** After a 200 streamed (NDJSON) response has sent `afterLines` lines, send the vendor's error line and end. */
export type StreamErrorFault = Plan.StreamErrorFault<SimulatorEndpoint>;
/** After the server has sent `afterMessages` messages on a WebSocket, send the vendor's error message and close. */
export type WsErrorFault = Plan.WsErrorFault<SimulatorEndpoint>;
/** Refuse the WebSocket upgrade with an HTTP status (401, 403, 429, 503 …). */
export type RejectUpgradeFault = Plan.RejectUpgradeFault<SimulatorEndpoint>;
/**
 * Hold the answer for `delayMs` on the simulator's clock: real time with the system clock (keep it
 * small), simulated time with a manual clock (it waits until the clock passes it).
 */
export type LatencyFault = Plan.LatencyFault<SimulatorEndpoint>;
/**
 * Destroy the socket: `before-response` sends nothing (HTTP and WS upgrades); `mid-response` sends the
 * status line and part of the body (HTTP) or `afterMessages` messages (WS), then cuts the connection.
 */
export type DropFault = Plan.DropFault<SimulatorEndpoint>;
/** The async job created by a matching submit ends `failed` instead of completing. */
export type JobFailureFault = Plan.JobFailureFault<SimulatorEndpoint>;
/** One scheduled failure. */
export type Fault = Plan.Fault<SimulatorEndpoint>;
/** An ordered list of faults. For each request the faults are checked in order (see docs/testing.md, "Fault-plan format"). */
export type FaultPlan = Plan.FaultPlan<SimulatorEndpoint>;
/** One time a fault fired (for assertions on the plan itself). */
export type FaultFiring = GenericFaultFiring<SimulatorEndpoint>;
/** Everything the simulator saw and did for one HTTP request or WebSocket connection. */
export type RecordedRequest = GenericRecordedRequest<SimulatorEndpoint>;
