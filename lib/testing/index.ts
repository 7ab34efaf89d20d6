/**
 * `vendor-resilience/testing`: a local fake of each supported vendor that fails exactly as documented,
 * driven by a fault plan, for testing integrations without real outages or credits.
 */
export { startVendorSimulator, type VendorSimulator, type VendorSimulatorOptions } from './simulator.js';
export { createManualClock, type ManualClock, type ManualClockOptions } from './clock.js';
export { resetDefaultPacing } from '../pacing/default-pacing.js';
export {
  SIMULATOR_ENDPOINTS,
  VENDOR_NAMES,
  type EndpointInfo,
  type SimulatorEndpoint,
  type SimulatorPhase,
  type SimulatorTransport,
  type VendorName,
} from './endpoints.js';
export type {
  DropFault,
  ErrorFault,
  ErrorReplyFields,
  Fault,
  FaultKind,
  FaultMatch,
  FaultPlan,
  FaultSchedule,
  JobFailureFault,
  LatencyFault,
  RateLimitFault,
  RejectUpgradeFault,
  StreamErrorFault,
  WarmUpFault,
  WsErrorFault,
} from './fault-plan.js';
export { FaultPlanError, loadFaultPlan, parseFaultPlan } from './fault-plan-parse.js';
export type { FaultFiring } from './fault-scheduler.js';
export type { RecordedOutcome, RecordedRequest, RecordedWsMessage } from './request-log.js';
