export type * from './document.js';
export type {
  CompiledPolicy,
  CompiledRule,
  CompiledEnvelope,
  CompiledJob,
  CompiledJobRequest,
  Backoff,
} from './compiled.js';
export { compilePolicy } from './user-policy.js';
export { builtinPolicy, builtinPolicyNames } from './load.js';
export { loadPolicyFile, resolvePolicy, type PolicyInput } from './user-policy.js';
export { PolicyError, isPolicyError } from './policy-error.js';
