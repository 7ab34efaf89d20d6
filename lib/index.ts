/**
 * `vendor-resilience`: the policy engine (signal in, decision out), policy loading, and the errors.
 * Importing it loads neither the pacing (bottleneck) nor the schema validator (ajv), nor any peer:
 * the adapters are `vendor-resilience/got` and `/ws`, pacing is `/pacing`, the simulator `/testing`.
 * Every name here is listed in test/integration/packaging/entry-points.test.ts.
 */
export { createVendorEngine, type VendorEngineOptions } from './core/default-engine.js';
export type { DecideResult, Engine } from './core/engine/engine.js';
export type { Action, Clock, Decision, Phase, Signal, Transport } from './core/engine/types.js';
export { isSignalError, SignalError } from './core/engine/signal.js';
export { builtinPolicyNames } from './core/policy/load.js';
export { loadPolicyFile, type PolicyInput } from './core/policy/user-policy.js';
export { compilePolicy } from './core/policy/user-policy.js';
export type { CompiledPolicy } from './core/policy/compiled.js';
export type { PolicyDocument } from './core/policy/document.js';
export { PolicyError, isPolicyError } from './core/policy/policy-error.js';
export { VendorError, isVendorError, type VendorFailure } from './run/vendor-error.js';
export type { TelemetryOptions } from './run/telemetry.js';
